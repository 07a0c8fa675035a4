r"""Train a micrograd_plus MLP with PyTorch DistributedDataParallel, then bring it home.

    python examples/train_ddp.py                      # 2 CPU processes, gloo, on 127.0.0.1
    python examples/train_ddp.py --world-size 4 --steps 500 --out ddp_out
    python examples/train_ddp.py --backend nccl       # one process per GPU (needs CUDA)
    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29500 \
        examples/train_ddp.py --backend nccl          # many machines: run this on each

What it does, step by step:

1. builds an ``nn.MLP`` for the two-moons data;
2. starts ``--world-size`` worker processes (``torch.multiprocessing``; or torchrun
   starts them, on any number of machines); each joins one process group (gloo on CPU,
   NCCL on GPUs, rendezvous on 127.0.0.1), exports the model with ``to_torch``, wraps
   it in ``DistributedDataParallel`` and trains on its own shard of
   the data (rows ``rank::world_size``). DDP averages the gradients over the processes
   after every backward pass, so with equal shards each step is exactly a full-batch
   gradient-descent step, and all ranks keep identical weights;
3. imports the trained weights back into the micrograd_plus model with ``from_torch``;
4. evaluates it eagerly and draws one hidden neuron's gradient graph with
   ``viz.draw_dot`` (an SVG, or the DOT text when graphviz's ``dot`` is not installed).

Every rank also writes its final weights to ``OUT/rank{r}.pt``, and the imported model is
saved as ``OUT/model.json``, so the result can be checked (see tests/test_ddp.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from micrograd_plus import Value, data, losses, nn, viz
from micrograd_plus.torch_bridge import from_torch, to_torch


def make_model() -> nn.MLP:
    return nn.MLP(2, [16, 16, 1], activation="relu", rng=0)


def dataset(n_samples: int) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = data.make_moons(n_samples=n_samples, noise=0.1, seed=0)
    return torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)


def train_steps(module: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int, lr: float) -> float:
    """``steps`` of SGD with momentum on the mean binary cross-entropy; the last loss."""
    opt = torch.optim.SGD(module.parameters(), lr=lr, momentum=0.9)
    loss = torch.tensor(float("nan"))
    for _ in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(module(X).squeeze(1), y)
        loss.backward()  # DDP: the gradients are averaged over all ranks here
        opt.step()
    return loss.item()


def worker(
    rank: int,
    world_size: int,
    init_method: str,
    backend: str,
    model: nn.MLP,
    steps: int,
    lr: float,
    n_samples: int,
    out: str,
    local_rank: int | None = None,
) -> torch.nn.Module:
    """One process of the group: export, wrap in DDP, train on this rank's shard."""
    torch.set_num_threads(1)  # one core per process
    dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world_size)
    try:
        gpu = rank if local_rank is None else local_rank  # (torchrun: the GPU on this machine)
        device = torch.device(f"cuda:{gpu}") if backend == "nccl" else torch.device("cpu")
        # NOTE: each rank exports the model itself. A torch module passed to spawn would
        # arrive in shared memory, and every rank's optimizer would step the same tensors.
        module = to_torch(model).to(device)
        ddp = DistributedDataParallel(module, device_ids=[gpu] if device.type == "cuda" else None)
        X, y = dataset(n_samples)
        X, y = X[rank::world_size].to(device), y[rank::world_size].to(device)  # this rank's shard
        loss = train_steps(ddp, X, y, steps, lr)
        torch.save({k: v.cpu() for k, v in module.state_dict().items()}, Path(out) / f"rank{rank}.pt")
        if rank == 0:
            print(f"rank 0: loss on its shard after {steps} steps: {loss:.4f}", flush=True)
        return module.cpu()
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_ddp(
    model: nn.MLP,
    steps: int,
    lr: float,
    out: Path,
    world_size: int = 2,
    backend: str = "gloo",
    n_samples: int = 200,
) -> nn.MLP:
    """Train ``model`` with DDP over ``world_size`` processes and import the result."""
    if n_samples % world_size:
        raise ValueError(f"n_samples={n_samples} must split evenly over world_size={world_size}.")
    out.mkdir(parents=True, exist_ok=True)
    # NOTE: on Linux CPU, fork: the workers start at once, without importing torch again
    # (seconds each). CUDA cannot be forked, and other systems spawn by default.
    start_method = "fork" if backend == "gloo" and sys.platform == "linux" else "spawn"
    if start_method == "fork":
        import torch._dynamo  # (DDP's constructor imports it: once here, not in every worker)
    mp.start_processes(
        worker,
        args=(world_size, f"tcp://127.0.0.1:{free_port()}", backend, model, steps, lr, n_samples, str(out)),
        nprocs=world_size,
        join=True,
        start_method=start_method,
    )
    module = to_torch(model)
    module.load_state_dict(torch.load(out / "rank0.pt"))
    return from_torch(module, model)


def train_single(model: nn.MLP, steps: int, lr: float, n_samples: int = 200) -> nn.MLP:
    """The same training in one process on the full batch (what DDP must reproduce)."""
    module = to_torch(model)
    train_steps(module, *dataset(n_samples), steps, lr)
    return from_torch(module, model)


def accuracy(model: nn.MLP, n_samples: int) -> float:
    X, y = data.make_moons(n_samples=n_samples, noise=0.1, seed=0)
    return sum((model(x).data > 0) == (label == 1) for x, label in zip(X, y)) / len(y)


def draw_neuron(model: nn.MLP, x: list[float], label: int, out: Path) -> Path:
    """Back-propagate one sample's loss and draw the first hidden neuron with its gradients."""
    hidden = model.layers[0]([Value(v, label=f"x{i}") for i, v in enumerate(x)])
    h = hidden
    for layer in model.layers[1:]:
        h = layer(h)
    loss = losses.bce_with_logits([h[0]], [label])
    loss.backward()
    neuron = model.layers[0].neurons[0]
    graph = viz.draw_dot(hidden[0], params=neuron.parameters(), title="layers.0.neurons.0: dL/d(node)")
    if shutil.which("dot"):
        return Path(graph.render(out / "neuron_graph", format="svg", cleanup=True))
    path = out / "neuron_graph.dot"  # no graphviz program: the DOT text, to render elsewhere
    path.write_text(graph.source, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--backend", choices=["gloo", "nccl"], default="gloo")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--samples", type=int, default=200, help="split evenly over the ranks")
    parser.add_argument("--out", type=Path, default=Path("ddp_out"))
    args = parser.parse_args(argv)
    if (
        args.backend == "nccl"
        and "LOCAL_RANK" not in os.environ
        and torch.cuda.device_count() < args.world_size
    ):
        parser.error(f"--backend nccl needs {args.world_size} GPUs, found {torch.cuda.device_count()}.")

    model = make_model()
    if os.environ.get("RANK", "0") == "0":
        print(f"{model}; accuracy before: {accuracy(model, args.samples):.0%}")
    if "LOCAL_RANK" in os.environ:  # started by torchrun: this process is one rank of many
        rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        args.out.mkdir(parents=True, exist_ok=True)
        module = worker(
            rank, world_size, "env://", args.backend, model, args.steps, args.lr, args.samples, str(args.out),
            local_rank=int(os.environ["LOCAL_RANK"]),
        )  # fmt: skip
        if rank != 0:
            return 0
        from_torch(module, model)
    else:
        train_ddp(model, args.steps, args.lr, args.out, args.world_size, args.backend, args.samples)
    print(f"imported back with from_torch; accuracy after: {accuracy(model, args.samples):.0%}")
    model.save(args.out / "model.json")
    X, y = data.make_moons(n_samples=args.samples, noise=0.1, seed=0)
    picture = draw_neuron(model, X[0], y[0], args.out)
    print(f"one neuron's gradient graph: {picture}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
