#!/usr/bin/env python3
"""Set up and run micrograd_plus in a local virtual environment (./.venv).

    python3 dev.py demo [demo options]   # install the package + plot extras, run the demo
    python3 dev.py test [--torch] [pytest options]
                                         # install the dev extras, run ruff and the whole test suite

`--torch` also installs PyTorch 2.13.0 (CPU) so the cross-checks against it run; without
it those tests are skipped. Only the standard library is used here, so this works on a
fresh machine with nothing but Python >= 3.10 and pip.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
TORCH = "torch==2.13.0"  # pinned: an unpinned torch pulls gigabytes of CUDA wheels


def run(*cmd: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def ensure_env(extras: str, torch: bool = False) -> None:
    """Create .venv and install the package with ``extras``, unless already done."""
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + extras.encode() + (TORCH.encode() if torch else b"")
    ).hexdigest()
    stamp = VENV / f".installed-{extras.replace(',', '-')}{'-torch' if torch else ''}"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    pip = [PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run(*pip, "-e", f".[{extras}]")
    if torch:
        run(*pip, TORCH)
    stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_env("plot,progress")
        return run(PYTHON, "-m", "micrograd_plus", "demo", *rest, check=False)
    torch = "--torch" in rest
    rest = [a for a in rest if a != "--torch"]
    ensure_env("dev", torch=torch)
    if run(PYTHON, "-m", "ruff", "check", ".", check=False):
        return 1
    return run(PYTHON, "-m", "pytest", "-n", "2", *rest, check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
