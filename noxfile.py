"""nox sessions: the same checks as ``python3 dev.py``, for those who use nox.

    nox -s lint             # ruff check, ruff format --check, mypy
    nox -s tests-3.11       # the whole suite on one interpreter (CI's full run)
    nox -s fast             # the fast part (-m "not slow", no notebooks) on 3.10, 3.12, 3.13
    nox -s demo             # the demo

Each session installs the package with its extras into a fresh virtual environment, as
``pip install -e '.[dev]'`` would.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests-3.11", "fast"]
FAST = ["-m", "not slow", "--ignore=tests/test_notebooks.py"]


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session(python=["3.10", "3.12", "3.13"])
def fast(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("pytest", "-n", "2", *FAST, *session.posargs)


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    session.install("-e", ".[plot,progress]")
    session.run("micrograd-plus", "demo", *session.posargs)
