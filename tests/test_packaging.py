"""Packaging: one version source, the extras, classifiers, and an sdist that holds what its tests read."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself needs tomli on 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_the_version_has_one_source():
    import micrograd_plus

    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "micrograd_plus/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+(\w+\d*)?", micrograd_plus.__version__)
    try:
        from importlib.metadata import PackageNotFoundError, version

        installed = version("micrograd-plus")
    except PackageNotFoundError:
        pytest.skip("the package is not installed here (run from a checkout)")
    assert installed == micrograd_plus.__version__


def test_classifiers_name_every_supported_python():
    classifiers = PROJECT["classifiers"]
    assert PROJECT["requires-python"] == ">=3.10"
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Typing :: Typed" in classifiers and (ROOT / "micrograd_plus" / "py.typed").exists()


def test_testing_extra_is_hypothesis_only_and_dev_has_no_unused_tools():
    extras = PROJECT["optional-dependencies"]
    assert [re.split(r"[<>=!~ \[]", d)[0] for d in extras["testing"]] == ["hypothesis"]
    dev = {re.split(r"[<>=!~ \[]", d)[0] for d in extras["dev"]}
    assert "nbmake" not in dev  # never used: the notebooks run through nbclient
    assert {"pytest", "hypothesis", "ruff", "mypy"} <= dev


def test_mypy_is_configured_for_the_package():
    mypy = PYPROJECT["tool"]["mypy"]
    assert mypy["python_version"] == "3.10" and mypy["files"] == ["micrograd_plus"]


def sdist_includes(path: str) -> bool:
    include = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    return any(path == item or path.startswith(item.rstrip("/") + "/") for item in include)


@pytest.mark.parametrize(
    "path", ["README.md", "LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "tests/conftest.py"]
)
def test_the_sdist_holds_what_the_tests_read(path):
    assert (ROOT / path).exists() and sdist_includes(path)
    for folder in ("docs", "notebooks", "benchmarks", "examples", "micrograd_plus"):
        assert sdist_includes(f"{folder}/x")


def test_readme_links_point_at_files_the_sdist_ships():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)[^)]*\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, "the README links to its pictures and docs"
    for target in local:
        assert (ROOT / target).exists(), target
        assert sdist_includes(target), f"{target} is linked from the README but not in the sdist"


def test_changelog_and_contributing_exist():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "pip install -e '.[dev]'" in contributing and "pytest" in contributing


def load_dev():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_py_finds_the_other_interpreters_and_runs_the_fast_part_there():
    dev = load_dev()
    assert dev.SUPPORTED == ("3.10", "3.11", "3.12", "3.13")
    assert dev.FAST == ["-m", "not slow", "--ignore=tests/test_notebooks.py"]
    for version, path in dev.interpreters().items():
        assert version in dev.SUPPORTED and Path(path).exists()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "dev.py test" in ci and "dev.py matrix" in ci


def test_dev_py_keeps_the_readme_commands():
    dev = load_dev()
    assert dev.main([]) == 2  # prints the usage
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 dev.py demo" in readme and "python3 dev.py test" in readme
