"""examples/train_ddp.py: 2 processes with DistributedDataParallel = one full-batch run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
from micrograd_plus.torch_bridge import to_torch  # noqa: E402  (needs torch)

pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()), reason="needs gloo"),
]

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "train_ddp.py"
STEPS, SAMPLES, LR = 6, 40, 0.1


def load_example():
    spec = importlib.util.spec_from_file_location("train_ddp_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_ranks_equal_a_single_full_batch_run(tmp_path, capsys):
    example = load_example()
    # the script itself, as from the command line (in this process: no second torch import)
    args = ["--steps", str(STEPS), "--samples", str(SAMPLES), "--lr", str(LR), "--out", str(tmp_path)]
    assert example.main([*args, "--world-size", "2"]) == 0
    assert "imported back with from_torch" in capsys.readouterr().out

    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    assert ranks[0].keys() == ranks[1].keys()
    for key in ranks[0]:
        assert torch.equal(ranks[0][key], ranks[1][key]), key  # DDP kept the ranks in step

    # ... and equal to one process training on the full batch
    reference = example.train_single(example.make_model(), STEPS, LR, SAMPLES)
    start = example.make_model()
    imported = example.make_model().load(tmp_path / "model.json")  # what from_torch brought home
    for (name, p), q in zip(imported.named_parameters(), reference.parameters()):
        assert abs(p.data - q.data) <= 1e-10, name
    for key, value in to_torch(imported).state_dict().items():
        assert torch.equal(value, ranks[0][key]), key
    assert max(abs(p.data - s.data) for p, s in zip(imported.parameters(), start.parameters())) > 1e-3
    assert (tmp_path / "neuron_graph.svg").exists() or (tmp_path / "neuron_graph.dot").exists()
