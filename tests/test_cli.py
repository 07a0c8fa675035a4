"""The command line: `micrograd-plus demo` end to end, its defaults, help and bad options."""

import dataclasses
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_plus import cli
from micrograd_plus.nn import MLP

FAST = ["--epochs", "3", "--samples", "30", "--no-progress"]


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def printed_accuracy(out):
    match = re.search(r"training accuracy (\d+\.\d)% \((\d+)/(\d+)\)", out)
    assert match, out
    return float(match.group(1)) / 100, int(match.group(2)), int(match.group(3))


# ---- the demo end to end --------------------------------------------------------------


def test_demo_writes_every_file_and_reports(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "nested" / "out"
    code, out, err = run(["demo", *FAST, "--out", str(folder)], capsys)
    assert code == 0, err
    assert err == ""  # --no-progress: no bar
    names = ["decision_boundary.png", "loss_curve.png", "neuron.dot", "model.json"]
    if shutil.which("dot"):
        names.append("neuron.svg")
    for name in names:
        path = folder / name
        assert path.is_file() and path.stat().st_size > 0, name
        assert f"  {name}" in out
    assert str(folder.resolve()) in out
    for png in ("decision_boundary.png", "loss_curve.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    acc, correct, n = printed_accuracy(out)
    assert n == 30 and 0.0 <= acc <= 1.0 and correct == round(acc * n)
    assert "final:     loss" in out
    assert "MLP(2 → 16 relu → 16 relu → 1 linear, 337 parameters)" in out
    # the graph is one neuron: inputs x0, x1, its weights, z = w·x + b and a = relu(z)
    dot_text = (folder / "neuron.dot").read_text()
    assert dot_text.startswith("digraph")
    for label in ("<b>x0</b>", "<b>x1</b>", "<b>z</b>", "<b>a</b>", "relu", "w.0", "w.1"):
        assert label in dot_text, label
    if shutil.which("dot"):
        assert (folder / "neuron.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    # the saved model loads back into the same architecture
    model = MLP(2, [16, 16, 1])
    model.load(folder / "model.json")


def test_demo_without_matplotlib_skips_the_pngs(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a)
    )
    code, out, _ = run(["demo", *FAST, "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "matplotlib is not installed: skipping the PNGs" in out
    assert "pip install 'micrograd-plus[plot]'" in out
    assert not (tmp_path / "decision_boundary.png").exists()
    assert (tmp_path / "neuron.dot").stat().st_size > 0


def test_demo_shows_a_progress_bar(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])
    code, _, err = run(["demo", "--epochs", "2", "--samples", "20", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "2/2" in err and "loss" in err


@pytest.mark.parametrize("dataset", ["circles", "spirals", "blobs"])
def test_other_datasets(dataset, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])  # the PNGs are tested above
    code, out, err = run(["demo", "--dataset", dataset, *FAST, "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert f"data:      {dataset}" in out
    n_out = 1 if dataset == "circles" else 3
    assert f"→ {n_out} linear" in out
    assert ("hinge loss" if dataset == "circles" else "cross_entropy loss") in out


def test_options_reach_the_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])
    argv = [
        "demo",
        "--hidden",
        "4",
        "--activation",
        "tanh",
        "--optimizer",
        "adam",
        "--lr",
        "0.02",
        "--batch-size",
        "full",
        "--epochs",
        "2",
        "--samples",
        "12",
        "--seed",
        "3",
        "--l2",
        "0",
        "--no-progress",
        "--out",
        str(tmp_path),
    ]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "MLP(2 → 4 tanh → 1 linear, 17 parameters)" in out
    assert "2 epochs, adam lr=0.02, full batch, hinge loss + 0·L2" in out
    assert "12 points" in out and "seed 3" in out


# ---- defaults ---------------------------------------------------------------------------


def test_parser_defaults_are_the_demo_defaults():
    args = cli.build_parser().parse_args(["demo"])
    fields = {f.name: getattr(args, f.name) for f in dataclasses.fields(cli.DemoConfig)}
    assert cli.DemoConfig(**fields) == cli.DEFAULTS
    assert args.out == Path("micrograd_plus_demo") and args.no_progress is False


def test_defaults_train_two_moons_to_97_percent():
    assert cli.DEFAULTS.dataset == "moons"
    result = cli.train_demo(cli.DEFAULTS, progress=False)
    assert result.accuracy >= 0.97
    assert len(result.history.loss) == cli.DEFAULTS.epochs
    assert result.history.loss[-1] < result.history.loss[0]


# ---- help, usage and bad options ----------------------------------------------------


def test_help(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "usage: micrograd-plus" in out and "demo" in out
    code, out, _ = run(["demo", "--help"], capsys)
    assert code == 0
    for option in (
        "--dataset",
        "--hidden",
        "--activation",
        "--optimizer",
        "--lr",
        "--batch-size",
        "--epochs",
        "--seed",
        "--samples",
        "--noise",
        "--out",
        "--no-progress",
    ):
        assert option in out, option


def test_no_arguments_prints_usage(capsys):
    code, out, _ = run([], capsys)
    assert code == 2
    assert "usage: micrograd-plus" in out and "demo" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["demo", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["demo", "--hidden", "16,x"], "comma-separated layer sizes"),
        (["demo", "--hidden", "16,0"], "layer sizes must be >= 1"),
        (["demo", "--epochs", "0"], "must be >= 1, got 0"),
        (["demo", "--lr", "-0.1"], "--lr"),
        (["demo", "--batch-size", "0"], "--batch-size"),
        (["demo", "--noise", "nan"], "--noise"),
        (["demo", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
    ],
)
def test_bad_options_exit_with_2(argv, message, capsys, tmp_path):
    code, _, err = run([*argv, "--out", str(tmp_path / "never")] if argv[0] == "demo" else argv, capsys)
    assert code == 2
    assert message in err
    assert not (tmp_path / "never").exists()


def test_inconsistent_options_exit_with_1(capsys, tmp_path):
    code, _, err = run(
        ["demo", "--dataset", "spirals", "--loss", "hinge", "--out", str(tmp_path / "x")], capsys
    )
    assert code == 1
    assert "hinge loss is for two classes but spirals has 3" in err
    assert not (tmp_path / "x").exists()


def test_unwritable_output_folder_exits_with_1(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(["demo", *FAST, "--out", str(blocker / "out")], capsys)
    assert code == 1
    assert "cannot create the output folder" in err


# ---- the entry points -----------------------------------------------------------------


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "micrograd_plus", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "usage: micrograd-plus" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "micrograd_plus", "demo", "--bogus"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2


def test_console_script():
    script = shutil.which("micrograd-plus", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the package is not installed with its console script in this environment")
    proc = subprocess.run([script, "demo", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "--dataset" in proc.stdout


# ---- issue 10: failures end in one clear line, a non-zero exit and no half-written file ----


def test_diverging_run_says_so_and_writes_nothing(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, _, err = run(["demo", *FAST, "--lr", "1e6", "--out", str(out_dir)], capsys)
    assert code == 1
    assert "Traceback" not in err
    assert re.fullmatch(r"error: training diverged at epoch \d+ \(loss nan\); try a smaller --lr\.\n", err)
    assert not out_dir.exists()  # the folder it created for the run is removed again


def test_diverging_run_keeps_an_existing_folder_and_its_files(tmp_path, capsys):
    (tmp_path / "model.json").write_text("old")
    code, _, err = run(["demo", *FAST, "--lr", "1e6", "--out", str(tmp_path)], capsys)
    assert code == 1 and "diverged" in err
    assert (tmp_path / "model.json").read_text() == "old"


def test_unwritable_output_is_found_before_training(tmp_path, capsys, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained although the output folder is unusable")

    monkeypatch.setattr(cli, "train_demo", no_training)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(["demo", *FAST, "--out", str(blocker)], capsys)
    assert code == 1
    assert err.startswith("error: cannot create the output folder") and err.count("\n") == 1


def test_unwritable_output_folder_is_probed_by_writing(tmp_path, capsys, monkeypatch):
    # (a chmod'ed folder does not stop root, so simulate the failing write)
    def refuse(self, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "train_demo", lambda *a, **k: pytest.fail("trained"))
    monkeypatch.setattr(Path, "write_bytes", refuse)
    code, _, err = run(["demo", *FAST, "--out", str(tmp_path)], capsys)
    assert code == 1
    assert "Permission denied" in err and "Traceback" not in err


def test_ctrl_c_during_training_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "train_demo", interrupted)
    code, _, err = run(["demo", *FAST, "--out", str(tmp_path / "out")], capsys)
    assert code == 130
    assert err.strip().startswith("interrupted (Ctrl-C)") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_ctrl_c_while_saving_leaves_no_half_written_file(tmp_path, capsys, monkeypatch):
    import os

    (tmp_path / "model.json").write_text('{"old": true}')
    real_fsync = os.fsync

    def interrupt_during_the_write(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])
    monkeypatch.setattr(os, "fsync", interrupt_during_the_write)
    code, _, err = run(["demo", *FAST, "--out", str(tmp_path)], capsys)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert code == 130 and "interrupted" in err
    assert (tmp_path / "model.json").read_text() == '{"old": true}'
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--hidden", "100000000"], "would build 400,000,001 parameters; the demo allows at most 200,000"),
        (["--hidden", "1000,1000"], "parameters; the demo allows at most"),
        (["--samples", "100000000"], "--samples 100000000 is too many"),
    ],
)
def test_absurd_sizes_are_refused_before_anything_is_built(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "build_demo", lambda *a: pytest.fail("built the model"))
    code, _, err = run(["demo", *argv, "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_model_size_matches_the_built_model():
    for hidden, activation in (((16, 16), "relu"), ((), "relu"), ((3, 5), "prelu")):
        config = dataclasses.replace(cli.DEFAULTS, hidden=hidden, activation=activation)
        built = cli.build_demo(config)
        assert cli.model_size(config, 2, built.loss) == built.model.num_parameters()


def test_version(capsys):
    from micrograd_plus import __version__

    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"micrograd-plus {__version__}"


def test_linear_model_neuron_graph_is_not_titled_relu(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])
    code, _, _ = run(["demo", *FAST, "--hidden", "", "--out", str(tmp_path)], capsys)
    assert code == 0
    text = (tmp_path / "neuron.dot").read_text()
    assert "a = w·x + b on the first sample" in text and "relu" not in text


def test_neuron_graph_title_names_the_hidden_activation(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])
    code, _, _ = run(["demo", *FAST, "--activation", "tanh", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "a = tanh(w·x + b)" in (tmp_path / "neuron.dot").read_text()


def test_demo_says_when_it_skips_the_svg_without_dot(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "write_plots", lambda result, out: [])
    monkeypatch.setattr(cli, "has_dot", lambda: False)
    code, out, _ = run(["demo", *FAST, "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "dot program is not installed: wrote neuron.dot but skipped the picture neuron.svg" in out
    assert not (tmp_path / "neuron.svg").exists()
    assert "  neuron.svg" not in out
