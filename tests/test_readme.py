"""The README's Python examples run as written, in order, and print what they claim."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the examples save files
    blocks = python_blocks()
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        # Each block runs from a .py file of its own: tracebacks and inspect.getsource (which
        # hypothesis uses) then read Python, never README.md's markdown as Python source.
        source = tmp_path / f"readme_block_{i}.py"
        source.write_text(block, encoding="utf-8")
        exec(compile(block, str(source), "exec"), namespace)
    # The ten-line example: a = tanh(z) with z = 0.5, and BP4-style grads x·(1 − a²), w·(1 − a²).
    a = namespace["a"].data
    assert abs(a - 0.46211715726000974) < 1e-12
    assert abs(namespace["w1"].grad - 1.5 * (1 - a * a)) < 1e-12
    assert abs(namespace["x1"].grad - 0.8 * (1 - a * a)) < 1e-12
    # The higher-order example: 3x^2 and 6x at x = 0.5.
    assert namespace["dy"].data == 0.75 and namespace["d2y"].data == 3.0
    # The training example reaches what the demo promises.
    from micrograd_plus.train import accuracy

    assert accuracy(namespace["model"], namespace["X"], namespace["y"]) >= 0.97
    assert (tmp_path / "moons.json").stat().st_size > 0
    # The property tests in the README pass when called.
    namespace["test_smooth_hinge_gradient"]()
    namespace["test_backprop_on_random_graphs"]()
    out = capsys.readouterr().out
    assert "MLP(2 → 16 relu → 16 relu → 1 linear, 337 parameters)" in out
