"""The notebooks: each jupytext source is paired with its .ipynb and runs top to bottom.

Every lesson is a text source ``notebooks/NN_name.py`` (jupytext ``py:percent``) paired
with ``notebooks/NN_name.ipynb`` (committed with its outputs, so it reads well on the
web). The tests check that

- both files hold the same cells (else: ``jupytext --sync notebooks/*.py``);
- the committed outputs come from one clean top-to-bottom run, with no error;
- each notebook runs in a fresh kernel, from a clean copy, in a temporary working
  directory, with the headless matplotlib backend, within its time budget;
- it also runs without the graphviz ``dot`` program: graph cells show their DOT text
  and the install hint instead of failing;
- each has an exercise with a checkable answer (an `assert`);
- notebooks/README.md lists every notebook.

The sources are linted by ``ruff check .`` like the package (see pyproject.toml).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
IDS = [p.stem for p in SOURCES]
CELL_TIMEOUT = 120  # seconds, per cell: a hung cell fails instead of blocking CI
# A whole notebook, kernel start included, on 2 shared cores; MICROGRAD_NOTEBOOK_BUDGET
# raises it on a slower machine.
BUDGET = float(os.environ.get("MICROGRAD_NOTEBOOK_BUDGET", "60"))
SYNC = "run: jupytext --sync notebooks/*.py (or jupytext --sync on the one you edited)"


def _cells(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip("\n")) for c in nb.cells]


def test_there_are_notebooks_and_each_ipynb_has_a_source() -> None:
    assert SOURCES, f"no notebook sources notebooks/NN_name.py in {NOTEBOOK_DIR}"
    orphans = [
        p.name for p in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")) if not p.with_suffix(".py").exists()
    ]
    assert not orphans, (
        f"{orphans} have no jupytext source beside them; create it with "
        "jupytext --set-formats ipynb,py:percent notebooks/NAME.ipynb"
    )


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_source_and_notebook_are_paired(path: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    ipynb = path.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing; {SYNC}"
    source = jupytext.read(path)
    notebook = jupytext.read(ipynb)
    formats = source.metadata.get("jupytext", {}).get("formats", "")
    assert set(formats.split(",")) == {"ipynb", "py:percent"}, (
        f"{path.name}: jupytext formats are {formats!r}, expected 'ipynb,py:percent'; run: "
        f"jupytext --set-formats ipynb,py:percent notebooks/{path.name}"
    )
    assert source.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel python3"
    assert _cells(source) == _cells(notebook), f"{path.name} and {ipynb.name} differ; {SYNC}"
    assert source.cells and source.cells[0].cell_type == "markdown", "a notebook opens with its title"
    assert source.cells[0].source.startswith("# "), "the first cell is a '# Title' heading"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_committed_outputs_are_from_one_clean_run(path: Path) -> None:
    ipynb = path.with_suffix(".ipynb")
    if not ipynb.exists():
        pytest.skip("no .ipynb (see test_source_and_notebook_are_paired)")
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    fix = f"execute it: jupytext --sync --execute notebooks/{path.name}"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{ipynb.name}: outputs are not from one clean top-to-bottom run (execution counts {counts}); {fix}"
    )
    for cell in code:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{ipynb.name}: a committed output holds an error; {fix}"
    size = ipynb.stat().st_size
    assert size < 1_500_000, f"{ipynb.name} is {size} bytes; lower a figure's dpi or size"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_each_notebook_has_an_exercise_the_reader_can_check(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^\s*assert ", text, re.MULTILINE), (
        f"{path.name}: add at least one exercise whose answer an `assert` cell checks"
    )


def test_the_readme_lists_every_notebook() -> None:
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    missing = [p.stem for p in SOURCES if f"({p.stem}.ipynb)" not in readme]
    assert not missing, f"notebooks/README.md has no line for {missing}"


def _run(path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch):
    """Execute the notebook of source ``path`` in a fresh kernel; return it, executed."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("MPLBACKEND", "Agg")
    root = str(NOTEBOOK_DIR.parent)  # the checkout's micrograd_plus, installed or not
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    nb = jupytext.read(path)  # the source has no outputs: a clean copy
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:  # the message holds the cell source and the traceback
        pytest.fail(f"{path.name} failed:\n{err}", pytrace=False)
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET, (
        f"{path.name} took {elapsed:.0f} s, over its {BUDGET:.0f} s budget: use less data or fewer epochs"
    )
    executed = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in executed)
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(path, tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_notebook_runs_without_the_dot_program(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without graphviz's `dot` the graph cells show DOT text and the install hint, not an error."""
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # the kernel starts from sys.executable; `dot` is gone
    nb = _run(path, tmp_path, monkeypatch)
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    rendered = [out for out in outputs if {"image/svg+xml"} & set(out.get("data", {}))]
    texts = [out.get("data", {}).get("text/plain", "") for out in outputs]
    shown = [text for text in texts if text.startswith(("digraph", "The graphviz 'dot' program"))]
    assert not rendered, "a graph was rendered: the test did not manage to hide `dot`"
    assert all("install graphviz" in text for text in shown), "DOT text should come with the install hint"
