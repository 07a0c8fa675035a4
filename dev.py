#!/usr/bin/env python3
"""Set up and run micrograd_plus in a local virtual environment (./.venv).

    python3 dev.py demo [demo options]   # install the package + plot extras, run the demo
    python3 dev.py test [--torch] [pytest options]
                                         # install the dev extras; ruff, ruff format --check,
                                         # mypy, then the whole test suite
    python3 dev.py fast [pytest options] # the same checks, then the fast part of the suite
                                         # (-m "not slow", no notebooks)
    python3 dev.py matrix [pytest options]
                                         # the fast part on every OTHER Python 3.10-3.13 found
                                         # (PATH or pyenv), each in its own .venv-3.X

`--torch` also installs PyTorch 2.13.0 (CPU) so the cross-checks against it run; without
it those tests are skipped. Only the standard library is used here, so this works on a
fresh machine with nothing but Python >= 3.10 and pip. Behind it is ordinary tooling:
`pip install -e '.[dev]' && pytest` does the same by hand, and `noxfile.py` has the same
sessions for nox users (`nox -s tests-3.12`).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TORCH = "torch==2.13.0"  # pinned: an unpinned torch pulls gigabytes of CUDA wheels
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
FAST = ["-m", "not slow", "--ignore=tests/test_notebooks.py"]  # the suite without long runs
# The other interpreters get fewer (still reproducible) hypothesis examples: CI's full run
# on 3.11 explores with 120 per property (tests/conftest.py has the profiles).
FAST_ENV = {"HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE_FAST", "ci-fast")}


def run(*cmd: str | Path, check: bool = True, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    full_env = None if env is None else {**os.environ, **env}
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check, env=full_env).returncode


def env_python(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


def ensure_env(extras: str, torch: bool = False, env: Path = ROOT / ".venv", base: str | None = None) -> Path:
    """Create ``env`` (with ``base`` as its interpreter) and install the package with
    ``extras`` into it, unless already done for this pyproject.toml; return its python."""
    python = env_python(env)
    if not python.exists():
        print(f"Creating a virtual environment in {env} ...", flush=True)
        if base is None:
            venv.EnvBuilder(with_pip=True).create(env)
        else:
            run(base, "-m", "venv", env)
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + extras.encode() + (TORCH.encode() if torch else b"")
    ).hexdigest()
    stamp = env / f".installed-{extras.replace(',', '-')}{'-torch' if torch else ''}"
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run(*pip, "-e", f".[{extras}]")
    if torch:
        run(*pip, TORCH)
    stamp.write_text(wanted)
    return python


def checks(python: Path) -> int:
    """ruff, ruff format --check and mypy (configured in pyproject.toml): 0 when all pass."""
    for cmd in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        if run(python, "-m", *cmd, check=False):
            return 1
    return 0


def interpreters() -> dict[str, str]:
    """``{"3.12": path}`` for each supported Python found on PATH or under pyenv."""
    found: dict[str, str] = {}
    for version in SUPPORTED:
        pattern = os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")
        candidates = sorted(glob.glob(pattern))
        on_path = shutil.which(f"python{version}")
        for candidate in [*reversed(candidates), *([on_path] if on_path else [])]:
            probe = subprocess.run(
                [candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0 and probe.stdout.strip() == version:
                found[version] = candidate
                break
    return found


def matrix(rest: list[str]) -> int:
    """The fast part of the suite on every other supported interpreter (one venv each)."""
    current = f"{sys.version_info[0]}.{sys.version_info[1]}"
    others = {v: p for v, p in interpreters().items() if v != current}
    missing = [v for v in SUPPORTED if v != current and v not in others]
    if missing:
        print(f"dev.py matrix: Python {', '.join(missing)} not found; skipped.", flush=True)
    failed = []
    for version, base in others.items():
        print(f"\n=== Python {version} ({base}): the fast part of the suite ===", flush=True)
        python = ensure_env("dev", env=ROOT / f".venv-{version}", base=base)
        if run(python, "-m", "pytest", "-n", "2", *FAST, *rest, check=False, env=FAST_ENV):
            failed.append(version)
    if failed:
        print(f"dev.py matrix: the fast suite failed on Python {', '.join(failed)}.", flush=True)
        return 1
    passed = ", ".join(others) or "(none found)"
    print(f"dev.py matrix: the fast suite passed on Python {passed}.", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "fast", "matrix"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        python = ensure_env("plot,progress")
        return run(python, "-m", "micrograd_plus", "demo", *rest, check=False)
    if command == "matrix":
        return matrix(rest)
    torch = "--torch" in rest
    rest = [a for a in rest if a != "--torch"]
    python = ensure_env("dev", torch=torch)
    if checks(python):
        return 1
    selection = FAST if command == "fast" else []
    return run(python, "-m", "pytest", "-n", "2", *selection, *rest, check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
