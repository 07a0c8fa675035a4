"""Typing: a user's ordinary code type-checks against the package (it claims Typing :: Typed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

USER_CODE = """
from micrograd_plus import Value, losses, nn, optim

model = nn.MLP(2, [4, 1], rng=0)
model([1.0, 2.0]).backward()               # one output: a Value
loss = (model([0.5, -0.5]) - 1.0) ** 2
loss.backward()
wide = nn.MLP(2, [4, 3], rng=0)
first = wide([1.0, 2.0])[0]                # several outputs: a list
probs = losses.softmax(wide([1.0, 2.0]))
opt = optim.Adam(model.parameters(), lr=0.01)
opt.zero_grad(set_to_none=False)
model.zero_grad(set_to_none=False)
sched = optim.lr_scheduler.StepLR(opt, 10)
sched.step()
x: float = loss.data
"""


@pytest.mark.slow
def test_user_code_type_checks(tmp_path):
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "user_code.py"
    snippet.write_text(USER_CODE)
    env_path = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = str(ROOT)
    try:
        out, err, status = api.run(
            [
                "--python-version",
                f"{sys.version_info[0]}.{sys.version_info[1]}",
                "--follow-imports=silent",  # the package itself is checked by `mypy` (dev.py test)
                "--cache-dir",
                str(tmp_path / "cache"),
                "--config-file",
                os.devnull,
                str(snippet),
            ]
        )
    finally:
        if env_path is None:
            del os.environ["MYPYPATH"]
        else:
            os.environ["MYPYPATH"] = env_path
    assert status == 0, out + err
