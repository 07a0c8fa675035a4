"""to_torch / from_torch: same numbers in PyTorch, and back; errors leave the model alone."""

from __future__ import annotations

import random

import pytest

from micrograd_plus import Value, nn, ops

torch = pytest.importorskip("torch")
from micrograd_plus.compat import nn as compat_nn  # noqa: E402  (needs torch)
from micrograd_plus.torch_bridge import Swish, from_torch, to_torch, torch_activation  # noqa: E402

pytestmark = pytest.mark.torch

ACTIVATIONS = list(ops.ACTIVATIONS)
TOL = 1e-12


def randomize(model, seed):
    """Random weights, biases and slopes (biases start at 0, slopes at 0.25)."""
    gen = random.Random(seed)
    for p in model.parameters():
        p.data = gen.uniform(-1.5, 1.5)
    return model


def batch(nin, n=7, seed=0):
    gen = random.Random(seed)
    rows = [[gen.uniform(-3, 3) for _ in range(nin)] for _ in range(n)]
    rows[0] = [0.0] * nin  # the kinks too
    return rows


def outputs(model, X):
    rows = []
    for x in X:
        out = model(x)
        rows.append([v.data for v in out] if isinstance(out, list) else [out.data])
    return torch.tensor(rows, dtype=torch.float64)


def assert_close(a, b, tol=TOL):
    assert a.shape == b.shape
    assert torch.allclose(a, b, rtol=tol, atol=tol), (a - b).abs().max()


def test_registry_is_the_map():
    # one entry per activation that nn accepts, each with a torch module (or our Swish)
    assert set(ACTIVATIONS) >= {"linear", "relu", "prelu", "swish", "gelu", "tanh"}
    for name in ACTIVATIONS:
        act = ops.ACTIVATIONS[name]
        module = torch_activation(name, 3)
        if name == "linear":
            assert module is None
        else:
            assert type(module).__name__ == (act.torch or "Swish")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_outputs_and_gradients_equal_for_every_activation(activation):
    model = randomize(nn.MLP(3, [4, 5, 2], activation=activation, output_activation=activation, rng=1), 2)
    module = to_torch(model)
    X = batch(3)
    assert_close(module(torch.tensor(X, dtype=torch.float64)), outputs(model, X))

    # gradients of a weighted sum of the outputs, for every parameter and input
    gen = random.Random(3)
    upstream = [[gen.uniform(-1, 1) for _ in range(2)] for _ in X]
    xs = [[Value(v) for v in row] for row in X]
    loss = sum(o * u for row, us in zip(xs, upstream) for o, u in zip(model(row), us))
    loss.backward()
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    (module(tx) * torch.tensor(upstream, dtype=torch.float64)).sum().backward()
    assert_close(tx.grad, torch.tensor([[v.grad for v in row] for row in xs], dtype=torch.float64))
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        w_grad = torch.tensor([[w.grad for w in n.w] for n in layer.neurons], dtype=torch.float64)
        assert_close(linear.weight.grad, w_grad)
        assert_close(linear.bias.grad, torch.tensor([n.b.grad for n in layer.neurons], dtype=torch.float64))
    if activation == "prelu":
        prelus = [m for m in module if isinstance(m, torch.nn.PReLU)]
        assert [p.num_parameters for p in prelus] == [4, 5, 2]
        for layer, prelu in zip(model.layers, prelus):
            slopes = torch.tensor([n.slope.grad for n in layer.neurons], dtype=torch.float64)
            assert_close(prelu.weight.grad, slopes)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(2, [1], rng=0),
        lambda: nn.MLP(5, [3, 3, 3, 1], activation="tanh", rng=0),
        lambda: nn.MLP(3, [4, 2], activation="prelu", output_activation="sigmoid", rng=0),
        lambda: nn.MLP(2, [3, 1], bias=False, rng=0),
        lambda: nn.Layer(3, 1, activation="elu", rng=0),
        lambda: nn.Layer(1, 4, activation="prelu", rng=0),
        lambda: nn.Neuron(2, activation="softplus", rng=0),
        lambda: nn.Neuron(3, activation="linear", bias=False, rng=0),
    ],
)
def test_round_trip_of_layer_shapes(make):
    model = randomize(make(), 5)
    nin = model.nin
    X = batch(nin, seed=4)
    module = to_torch(model)
    assert_close(module(torch.tensor(X, dtype=torch.float64)), outputs(model, X))
    # train "in torch": new weights; copy them back into a differently initialized twin
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.empty_like(p).uniform_(-1, 1, generator=torch.Generator().manual_seed(p.numel())))
    twin = randomize(make(), 6)
    assert from_torch(module, twin) is twin
    assert_close(module(torch.tensor(X, dtype=torch.float64)), outputs(twin, X))
    assert to_torch(twin).state_dict().keys() == module.state_dict().keys()
    for (k, a), b in zip(module.state_dict().items(), to_torch(twin).state_dict().values()):
        assert torch.equal(a, b), k


def test_structure_dtype_and_compat_models():
    model = nn.MLP(2, [3, 3, 1], activation="leaky_relu", output_activation="tanh", rng=0)
    module = to_torch(model, dtype=torch.float32)
    kinds = [type(m).__name__ for m in module]
    assert kinds == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "Tanh"]
    assert module[1].negative_slope == 0.01
    assert all(p.dtype == torch.float32 for p in module.parameters())
    assert [type(m).__name__ for m in to_torch(nn.MLP(2, [3, 1], rng=0))] == ["Linear", "ReLU", "Linear"]
    assert to_torch(nn.MLP(2, [3, 1], activation="gelu", rng=0))[1].approximate == "none"
    # micrograd-style models too: ReLU hidden layers, linear output
    random.seed(1337)
    micro = compat_nn.MLP(2, [4, 4, 1])
    X = batch(2)
    assert_close(to_torch(micro)(torch.tensor(X, dtype=torch.float64)), outputs(micro, X))


def test_swish_with_beta_has_its_own_module():
    module = torch_activation("swish", 3, beta=1.7)
    assert isinstance(module, Swish) and "beta=1.7" in repr(module)
    xs = [-30.0, -2.0, -0.1, 0.0, 0.3, 4.0, 50.0]
    got = module(torch.tensor(xs, dtype=torch.float64))
    assert_close(got, torch.tensor([Value(x).swish(1.7).data for x in xs], dtype=torch.float64))
    assert type(torch_activation("swish", 3)).__name__ == (ops.ACTIVATIONS["swish"].torch or "Swish")
    with pytest.raises(TypeError, match="no parameter"):
        torch_activation("relu", 3, alpha=2.0)
    with pytest.raises(ValueError, match="unknown activation"):
        torch_activation("nope")


def test_to_torch_rejects_other_objects():
    with pytest.raises(TypeError, match=r"nn\.MLP"):
        to_torch([1, 2])


def _mismatches():
    prelu = nn.MLP(2, [3, 1], activation="prelu", rng=0)
    return [
        (nn.MLP(2, [3, 3, 1], rng=0), to_torch(nn.MLP(2, [3, 1], rng=0)), "2 Linear layer"),
        (
            nn.MLP(2, [3, 1], rng=0),
            to_torch(nn.MLP(2, [4, 1], rng=0)),
            r"weight shape \(4, 2\) in the module",
        ),
        (
            nn.MLP(2, [3, 1], rng=0),
            to_torch(nn.MLP(3, [3, 1], rng=0)),
            r"layer 0 \(layers.0\).*\(3, 3\).*\(3, 2\)",
        ),
        (nn.MLP(2, [3, 1], rng=0), to_torch(nn.MLP(2, [3, 1], bias=False, rng=0)), "bias shape none"),
        (nn.MLP(2, [3, 1], bias=False, rng=0), to_torch(nn.MLP(2, [3, 1], rng=0)), r"bias shape \(3,\)"),
        (prelu, to_torch(nn.MLP(2, [3, 1], rng=0)), "PReLU slope shape none"),
        (nn.MLP(2, [3, 1], rng=0), to_torch(prelu), r"PReLU slope shape \(3,\)"),
        (
            nn.MLP(2, [3, 1], activation="prelu", rng=0),
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.PReLU(), torch.nn.Linear(3, 1)),
            r"PReLU slope shape \(1,\) in the module, \(3,\)",
        ),
        (
            nn.MLP(2, [3, 1], rng=0),
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 1)),
            "BatchNorm1d",
        ),
    ]


@pytest.mark.parametrize("case", range(len(_mismatches())))
def test_mismatch_raises_and_leaves_the_model_unchanged(case):
    model, module, message = _mismatches()[case]
    randomize(model, 9)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        from_torch(module, model)
    assert model.state_dict() == before


def test_from_torch_unwraps_and_checks_its_argument():
    model = randomize(nn.MLP(2, [3, 1], rng=0), 1)
    module = to_torch(model)

    class Wrapper(torch.nn.Module):  # what DistributedDataParallel looks like from outside
        def __init__(self, inner):
            super().__init__()
            self.module = inner

    twin = from_torch(Wrapper(module), nn.MLP(2, [3, 1], rng=1))
    assert twin.state_dict() == model.state_dict()
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        from_torch({"weight": 1}, model)


# --------------------------------------------------------------------------------------
# Tape.to_torch
# --------------------------------------------------------------------------------------

np = pytest.importorskip("numpy")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import micrograd_plus as mp  # noqa: E402
from micrograd_plus.engine import sum_values  # noqa: E402
from micrograd_plus.testing import all_op_specs, expression_graphs, inputs_for  # noqa: E402
from micrograd_plus.torch_bridge import TORCH_OPS, TapeModule, torch_op  # noqa: E402

SPECS = all_op_specs()


def tape_grads(tape, X, reduction="mean"):
    for p in tape.parameters:
        p.grad = 0.0
    value = tape.backward(X, reduction)
    return value, torch.tensor([p.grad for p in tape.parameters], dtype=torch.float64)


def torch_grads(module, X, reduction="mean"):
    module.zero_grad()
    out = module(torch.tensor(X, dtype=torch.float64))
    total = out.mean() if reduction == "mean" else out.sum()
    total.backward()
    return total.item(), module.theta.grad


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.label}/{s.arity}" for s in SPECS])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tape_to_torch_every_op(spec, data):
    """Each operand is input + parameter: d out / d parameter is the op's local derivative."""
    B = data.draw(st.integers(1, 4), label="B")
    rows = [list(data.draw(inputs_for(spec), label=f"row {i}")) for i in range(B)]
    params = [Value(0.0) for _ in range(spec.arity)]

    def f(*xs):
        return spec(*[x + p for x, p in zip(xs, params)])

    tape = mp.trace(f, rows[0])
    module = tape.to_torch()
    X = np.array(rows)
    assert_close(module(torch.tensor(X)), torch.tensor(tape(X)))
    for reduction in ("mean", "sum"):
        want_value, want = tape_grads(tape, X, reduction)
        value, got = torch_grads(module, X, reduction)
        assert_close(got, want)
        assert value == pytest.approx(want_value, rel=TOL, abs=TOL)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_tape_to_torch_mlp_every_activation(activation):
    model = randomize(nn.MLP(3, [5, 4, 2], activation=activation, output_activation="tanh", rng=1), 4)
    X = np.array(batch(3, n=6, seed=2))
    outputs_tape = mp.trace(lambda *x: model(list(x)), list(X[1]))
    module = outputs_tape.to_torch()
    got = module(torch.tensor(X))
    assert got.shape == (6, 2)
    assert_close(got, torch.tensor(outputs_tape(X)))

    loss_tape = mp.trace(lambda *x: sum_values(model(list(x))) * 0.5, list(X[1]))
    loss_module = loss_tape.to_torch()
    assert isinstance(loss_module, TapeModule) and isinstance(loss_module.theta, torch.nn.Parameter)
    assert list(loss_module.parameters()) == [loss_module.theta]
    assert loss_module.theta.tolist() == [p.data for p in model.parameters()]
    _, want = tape_grads(loss_tape, X)
    _, got = torch_grads(loss_module, X)
    assert_close(got, want)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=expression_graphs(), rows=st.integers(1, 3))
def test_tape_to_torch_random_graphs_input_gradients(case, rows):
    """Random graphs with shared sub-expressions: torch's d out / d input equals eager backprop.

    (To 1e-7, not 1e-12: torch's and math's forward values may differ in the last bit,
    and these random compositions, cos(cos(.)) / ... and x ** x, amplify that.)
    """
    f, xs = case
    X = [[x * (1.0 + 0.01 * r) for x in xs] for r in range(rows)]
    tape = mp.trace(f, xs)
    module = tape.to_torch()
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    out = module(tx)
    out.sum().backward()
    for r, row in enumerate(X):
        leaves = [Value(v) for v in row]
        y = f(*leaves)
        y.backward()
        assert out[r].item() == pytest.approx(y.data, rel=1e-7, abs=1e-9)
        assert_close(tx.grad[r], torch.tensor([v.grad for v in leaves], dtype=torch.float64), tol=1e-7)


def test_tape_module_devices_dtypes_and_write_back():
    model = nn.MLP(2, [4, 1], activation="gelu", rng=3)
    tape = mp.trace(lambda *x: model(list(x)), [0.5, -0.5])
    module = tape.to_torch()
    X = torch.tensor(batch(2), dtype=torch.float64)
    single = module.to(torch.float32)(X.float())
    assert single.dtype == torch.float32 and single.shape == (len(X),)
    assert_close(single.double(), torch.tensor(tape(X.numpy())), tol=1e-5)
    module = tape.to_torch()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        assert_close(module.to(device)(X.to(device)).cpu(), torch.tensor(tape(X.numpy())))
    module = module.to("cpu")
    with torch.no_grad():
        module.theta.mul_(2.0)
    module.write_back()
    assert [p.data for p in model.parameters()] == module.theta.tolist()
    assert_close(module(X), torch.tensor(tape(X.numpy())))  # the tape reads the new .data
    with pytest.raises(ValueError, match=r"shape \(B, 2\)"):
        module(torch.zeros(3, 5, dtype=torch.float64))
    assert "6 parameters" not in repr(module) and "17 parameters" in repr(module)


def test_an_op_without_a_torch_form_names_itself():
    cube = ops.OpSpec(
        name="cube_for_torch_test", arity=1, forward=lambda x: x**3, local_grads=lambda x, out: (3 * x * x,)
    )
    tape = mp.trace(lambda x: cube(x) + 1.0, [0.5])
    with pytest.raises(TypeError, match=r"cube_for_torch_test.*TORCH_OPS"):
        tape.to_torch()
    TORCH_OPS["cube_for_torch_test"] = lambda spec: lambda x: x**3
    try:
        module = tape.to_torch()
        assert_close(
            module(torch.tensor([[2.0]], dtype=torch.float64)), torch.tensor([9.0], dtype=torch.float64)
        )
    finally:
        del TORCH_OPS["cube_for_torch_test"]
    assert type(torch_op(ops.leaky_relu_op(0.2))).__name__ == "LeakyReLU"
    assert torch_op(ops.leaky_relu_op(0.2)).negative_slope == 0.2
