"""nn: Module bookkeeping, init, state/save/load, and MLP gradients vs FD and PyTorch."""

from __future__ import annotations

import errno
import json
import math
import os
import random
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import Value, no_grad
from micrograd_plus.engine import sum_values, topological_order
from micrograd_plus.nn import ACTIVATIONS, MLP, Layer, Module, Neuron
from micrograd_plus.testing import assert_grad_close, finite_floats

NAMED_ACTIVATIONS = [a for a in ACTIVATIONS]


def randomize_biases(model: Module, seed: int = 123) -> None:
    """Give every bias (which starts at 0) a random value, so no pre-activation sits on a kink."""
    gen = random.Random(seed)
    state = model.state_dict()
    for name in state:
        if name.endswith(".b") or name == "b":
            state[name] = gen.uniform(-0.5, 0.5)
    model.load_state_dict(state)


def outputs(model, x):
    out = model(x)
    return out if isinstance(out, list) else [out]


def weighted_output(model, x, coeffs):
    return sum_values([c * o for c, o in zip(coeffs, outputs(model, x))])


def check_parameter_grads(model, x, coeffs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Backprop's dL/dθ for every parameter vs the central difference in θ."""
    model.zero_grad()
    weighted_output(model, x, coeffs).backward()
    for name, p in model.named_parameters():
        original = p.data
        with no_grad():
            p.data = original + eps
            up = weighted_output(model, x, coeffs).data
            p.data = original - eps
            down = weighted_output(model, x, coeffs).data
        p.data = original
        numeric = (up - down) / (2 * eps)
        assert abs(p.grad - numeric) <= atol + rtol * abs(numeric), (name, p.grad, numeric)


# ---- shapes, counts, names --------------------------------------------------------------


def test_call_shapes():
    assert isinstance(Neuron(3, rng=0)([1.0, 2.0, 3.0]), Value)
    out = Layer(3, 1, rng=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    assert len(Layer(3, 4, rng=0)([1.0, 2.0, 3.0])) == 4
    assert isinstance(MLP(2, [4, 1], rng=0)([1.0, 2.0]), Value)
    many = MLP(2, [4, 3], rng=0)([1.0, 2.0])
    assert isinstance(many, list) and len(many) == 3 and all(isinstance(v, Value) for v in many)


def test_parameter_counts():
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337
    assert len(Neuron(3).parameters()) == 4
    assert len(Neuron(3, bias=False).parameters()) == 3
    assert len(Layer(3, 2).parameters()) == 8
    # prelu: one slope per neuron, counted
    assert len(Neuron(3, "prelu").parameters()) == 5
    assert len(MLP(2, [3, 2], activation="prelu").parameters()) == (2 * 3 + 3 + 3) + (3 * 2 + 2)
    assert len(MLP(2, [3, 2], activation="prelu", output_activation="prelu").parameters()) == 22
    assert MLP(2, [16, 16, 1]).num_parameters() == 337


def test_named_parameters_match_parameters_order_and_names():
    model = MLP(2, [3, 2], activation="prelu", rng=0)
    named = model.named_parameters()
    assert [p for _, p in named] == model.parameters()
    assert all(a is b for (_, a), b in zip(named, model.parameters()))
    names = [n for n, _ in named]
    assert len(set(names)) == len(names)
    assert names[:5] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.0.slope",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.1.b"
    assert list(model.state_dict()) == names
    assert all(p.label == n for n, p in named)  # graph pictures show the names
    assert [n for n, _ in Neuron(2, "prelu").named_parameters()] == ["w.0", "w.1", "b", "slope"]
    assert [n for n, _ in Layer(1, 2).named_parameters()] == [
        "neurons.0.w.0",
        "neurons.0.b",
        "neurons.1.w.0",
        "neurons.1.b",
    ]


def test_attributes():
    n = Neuron(3, "tanh", rng=0)
    assert len(n.w) == 3 and isinstance(n.b, Value) and n.b.data == 0.0 and n.slope is None
    assert Neuron(3, bias=False).b is None
    assert Neuron(2, "prelu").slope.data == 0.25
    model = MLP(2, [4, 1])
    assert [len(layer.neurons) for layer in model.layers] == [4, 1]
    assert model.layers[0].activation == "relu" and model.layers[1].activation == "linear"


def test_named_modules_prefix_the_parameter_names():
    model = MLP(2, [2, 1], rng=0)
    modules = dict(model.named_modules())
    assert list(modules)[:3] == ["", "layers.0", "layers.0.neurons.0"]
    assert modules[""] is model and modules["layers.1.neurons.0"] is model.layers[1].neurons[0]
    for prefix, module in modules.items():
        if prefix:
            own = [p for n, p in model.named_parameters() if n.startswith(prefix + ".")]
            assert own == module.parameters()


def test_zero_grad():
    model = MLP(2, [3, 1], rng=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_custom_module_registers_values_and_submodules_in_order():
    class Scaled(Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.body = MLP(2, [2, 1], rng=0)
            self.extra = [Value(1.0), "not a parameter", 3]
            self._cache = Value(9.0)  # private: not a parameter
            self.tied = self.scale  # shared: listed once

        def forward(self, x):
            return self.scale * self.body(x) + self.extra[0]

    m = Scaled()
    names = [n for n, _ in m.named_parameters()]
    assert names[:2] == ["scale", "extra.0"] and names[2].startswith("body.layers.0")
    assert len(names) == 2 + m.body.num_parameters()
    assert isinstance(m([1.0, 2.0]), Value)
    with pytest.raises(NotImplementedError):
        Module()(1.0)


# ---- weights: seeds and init --------------------------------------------------------------


def weights(model):
    return [p.data for p in model.parameters()]


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=10)
def test_same_seed_same_weights(seed):
    assert weights(MLP(3, [4, 2], rng=seed)) == weights(MLP(3, [4, 2], rng=seed))
    assert weights(MLP(3, [4, 2], rng=random.Random(seed))) == weights(MLP(3, [4, 2], rng=seed))
    assert weights(Neuron(3, rng=seed)) == weights(Neuron(3, rng=seed))
    assert weights(Layer(3, 2, rng=seed)) == weights(Layer(3, 2, rng=seed))


def test_different_seeds_differ_and_global_random_is_untouched():
    assert weights(MLP(3, [4, 2], rng=0)) != weights(MLP(3, [4, 2], rng=1))
    state = random.getstate()
    a, b = MLP(3, [4, 2]), MLP(3, [4, 2])
    assert random.getstate() == state
    assert weights(a) != weights(b)  # None: a fresh random source each time
    random.seed(5)
    first = weights(MLP(3, [4, 2], rng=7))
    random.seed(6)
    assert weights(MLP(3, [4, 2], rng=7)) == first


def bound_of(values):
    return max(abs(v) for v in values)


@pytest.mark.parametrize(
    ("activation", "init", "expected_bound"),
    [
        ("relu", "uniform", 1.0),
        ("tanh", "uniform", 1.0),
        ("relu", "kaiming", math.sqrt(6 / 400)),
        ("relu", "auto", math.sqrt(6 / 400)),
        ("gelu", "auto", math.sqrt(6 / 400)),
        ("leaky_relu", "auto", math.sqrt(6 / (400 * (1 + 0.01**2)))),
        ("prelu", "auto", math.sqrt(6 / (400 * (1 + 0.25**2)))),
        ("tanh", "auto", math.sqrt(6 / (400 + 50))),
        ("sigmoid", "xavier", math.sqrt(6 / (400 + 50))),
        (None, "auto", math.sqrt(6 / (400 + 50))),
    ],
)
def test_init_scales(activation, init, expected_bound):
    layer = Layer(400, 50, activation, rng=0, init=init)
    ws = [w.data for n in layer.neurons for w in n.w]
    assert bound_of(ws) <= expected_bound
    assert bound_of(ws) > 0.99 * expected_bound  # 20000 draws reach the edge
    # U(-r, r) has variance r²/3
    variance = sum(w * w for w in ws) / len(ws)
    assert variance == pytest.approx(expected_bound**2 / 3, rel=0.05)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_default_mlp_init_is_kaiming_hidden_xavier_output():
    model = MLP(40, [30, 5], rng=0)
    hidden = [w.data for n in model.layers[0].neurons for w in n.w]
    out = [w.data for n in model.layers[1].neurons for w in n.w]
    assert bound_of(hidden) <= math.sqrt(6 / 40) and bound_of(hidden) > 0.9 * math.sqrt(6 / 40)
    assert bound_of(out) <= math.sqrt(6 / 35) and bound_of(out) > 0.8 * math.sqrt(6 / 35)


# ---- calling ------------------------------------------------------------------------------


def test_neuron_computes_activation_of_w_dot_x_plus_b():
    n = Neuron(3, "tanh", rng=0)
    n.b.data = 0.3
    x = [0.5, -1.0, 2.0]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.3
    assert n(x).data == pytest.approx(math.tanh(z), rel=1e-14)
    assert n(x).op == "tanh" and n(x).parents[0].op == "dot"  # one fused node for w·x + b
    assert Neuron(3, None, rng=0)(x).op == "dot"


def test_inputs_may_be_values_and_receive_gradients():
    model = MLP(2, [3, 1], activation="tanh", rng=0)
    x = [Value(0.5), 1.0]
    model(x).backward()
    assert x[0].grad != 0.0


@pytest.mark.parametrize(
    ("model", "x", "message"),
    [
        (MLP(2, [3, 1]), [1.0, 2.0, 3.0], "MLP expects 2 inputs, got 3"),
        (MLP(2, [3, 1]), [1.0], "MLP expects 2 inputs, got 1"),
        (Layer(3, 2), [1.0], "Layer expects 3 inputs, got 1"),
        (Neuron(2), [], "Neuron expects 2 inputs, got 0"),
    ],
)
def test_wrong_number_of_inputs(model, x, message):
    with pytest.raises(ValueError, match=message):
        model(x)


def test_number_inputs_become_one_shared_leaf_each():
    model = MLP(2, [8, 8, 1], rng=0)
    graph = topological_order(model([0.5, -1.0]))
    params = set(model.parameters())
    inputs = [v for v in graph if not v.parents and v not in params]
    assert sorted(v.data for v in inputs) == [-1.0, 0.5]


def test_non_numeric_input_element_raises_type_error():
    with pytest.raises(TypeError, match="input 1 must be a number or a Value, got str"):
        MLP(2, [1])([1.0, "2"])
    with pytest.raises(TypeError, match="input 0"):
        Layer(1, 1)([None])


def test_non_list_input_raises_type_error():
    with pytest.raises(TypeError, match="list of 1 inputs"):
        MLP(1, [1])(1.0)


def test_repr():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 → 16 relu → 16 relu → 1 linear, 337 parameters)"
    assert repr(MLP(2, [4, 3], "tanh", "sigmoid")) == "MLP(2 → 4 tanh → 3 sigmoid, 27 parameters)"
    assert repr(Layer(2, 16)) == "Layer(2 → 16 relu, 48 parameters)"
    assert repr(Neuron(3, "prelu")) == "Neuron(3 → 1 prelu, 5 parameters)"
    assert repr(Neuron(1, bias=False)) == "Neuron(1 → 1 relu, 1 parameter)"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: Neuron(0), ValueError),
        (lambda: Neuron(-1), ValueError),
        (lambda: Neuron(2.5), TypeError),
        (lambda: Neuron(True), TypeError),
        (lambda: Neuron("3"), TypeError),
        (lambda: Neuron(2, bias="yes"), TypeError),
        (lambda: Layer(2, 0), ValueError),
        (lambda: MLP(2, []), ValueError),
        (lambda: MLP(2, 16), TypeError),
        (lambda: MLP(2, "16"), TypeError),
        (lambda: MLP(2, [16, 0]), ValueError),
        (lambda: MLP(2, [16, 1.5]), TypeError),
        (lambda: MLP(0, [1]), ValueError),
        (lambda: MLP(2, [1], activation=3), TypeError),
        (lambda: MLP(2, [1], rng="seed"), TypeError),
        (lambda: MLP(2, [1], rng=1.5), TypeError),
        (lambda: MLP(2, [1], init="he"), ValueError),
    ],
)
def test_bad_constructor_arguments(make, error):
    with pytest.raises(error):
        make()


def test_unknown_activation_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'relu6'") as info:
        MLP(2, [1], activation="relu6")
    for name in ACTIVATIONS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="output"):
        MLP(2, [1], output_activation="softmax_output")


# ---- state dict, save, load -------------------------------------------------------------


def test_state_dict_round_trip():
    source = MLP(2, [3, 2], activation="prelu", rng=0)
    randomize_biases(source)
    target = MLP(2, [3, 2], activation="prelu", rng=1)
    state = source.state_dict()
    assert all(type(v) is float for v in state.values())
    target.load_state_dict(state)
    assert target.state_dict() == state
    x = [0.3, -0.7]
    assert [v.data for v in target(x)] == [v.data for v in source(x)]
    state["layers.0.neurons.0.w.0"] = 123.0  # a copy: changing it does not touch the model
    assert source.state_dict()["layers.0.neurons.0.w.0"] != 123.0


def test_save_load_round_trip(tmp_path):
    source = MLP(2, [4, 3, 1], activation="tanh", output_activation="sigmoid", rng=3)
    randomize_biases(source)
    path = tmp_path / "model.json"
    source.save(path)
    document = json.loads(path.read_text())
    assert document["format"] == "micrograd_plus.state" and document["version"] == 1
    assert document["architecture"] == repr(source)
    assert document["config"]["nouts"] == [4, 3, 1]
    assert document["state"] == source.state_dict()
    target = MLP(2, [4, 3, 1], activation="tanh", output_activation="sigmoid", rng=4)
    assert target.load(str(path)) is target
    assert target.state_dict() == source.state_dict()  # bit-exact floats through JSON
    assert target([0.1, 0.2]).data == source([0.1, 0.2]).data


def test_save_refuses_nan(tmp_path):
    model = MLP(2, [1], rng=0)
    model.parameters()[0].data = math.nan
    path = tmp_path / "nan.json"
    with pytest.raises(ValueError, match="not finite"):
        model.save(path)
    assert not path.exists()


def good_document(model):
    return {
        "format": "micrograd_plus.state",
        "version": 1,
        "architecture": repr(model),
        "state": model.state_dict(),
    }


def mutate(document, key, value):
    document = json.loads(json.dumps(document))
    document["state"][key] = value
    return document


def malformed_files():
    model = MLP(2, [2, 1], rng=0)
    good = good_document(model)
    first = "layers.0.neurons.0.w.0"
    without = json.loads(json.dumps(good))
    del without["state"][first]
    return [
        ("not json", "{this is not json", ValueError, "not a valid"),
        ("empty", "", ValueError, "not a valid"),
        ("binary", b"\xff\xfe\x00", ValueError, "not a valid"),
        ("a list", "[1, 2, 3]", ValueError, "JSON object"),
        ("no tag", json.dumps({"state": good["state"]}), ValueError, "format tag"),
        ("wrong tag", json.dumps({**good, "format": "pickle"}), ValueError, "format tag"),
        ("wrong version", json.dumps({**good, "version": 99}), ValueError, "version 99"),
        ("no state", json.dumps({k: v for k, v in good.items() if k != "state"}), ValueError, "state"),
        ("state is a list", json.dumps({**good, "state": [1.0]}), ValueError, "state"),
        ("missing key", json.dumps(without), KeyError, first),
        ("unexpected key", json.dumps(mutate(good, "layers.9.neurons.0.w.0", 1.0)), KeyError, "layers.9"),
        ("string value", json.dumps(mutate(good, first, "0.5")), TypeError, first),
        ("null value", json.dumps(mutate(good, first, None)), TypeError, first),
        ("bool value", json.dumps(mutate(good, first, True)), TypeError, first),
        ("list value", json.dumps(mutate(good, first, [0.5])), TypeError, first),
        ("NaN constant", json.dumps(good).replace(str(good["state"][first]), "NaN", 1), ValueError, "NaN"),
        (
            "overflowing number",
            json.dumps(good).replace(str(good["state"][first]), "1e999", 1),
            ValueError,
            first,
        ),
        ("deep nesting", "[" * 2000 + "]" * 2000, ValueError, "nested too deeply|JSON object"),
        ("deeper nesting", '{"a":' * 100_000 + "1" + "}" * 100_000, ValueError, "nested too deeply"),
        (
            "huge int",
            json.dumps(mutate(good, first, 0)).replace(": 0", ": " + "9" * 401, 1),
            ValueError,
            "401 digits",
        ),
        ("version true", json.dumps({**good, "version": True}), ValueError, "version True"),
        ("version 1.0", json.dumps({**good, "version": 1.0}), ValueError, "version 1.0"),
        ("version string", json.dumps({**good, "version": "1"}), ValueError, "version '1'"),
    ]


@pytest.mark.parametrize(
    ("what", "text", "error", "message"), malformed_files(), ids=[c[0] for c in malformed_files()]
)
def test_load_malformed_file_raises_and_leaves_model_unchanged(tmp_path, what, text, error, message):
    model = MLP(2, [2, 1], rng=1)
    before = model.state_dict()
    path = tmp_path / "bad.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(error, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_load_missing_file():
    with pytest.raises(FileNotFoundError):
        MLP(2, [1]).load("/nonexistent/dir/model.json")


@pytest.mark.parametrize("what", [c[0] for c in malformed_files()])
def test_every_malformed_file_is_a_value_error_naming_the_file(tmp_path, what):
    text = dict((c[0], c[1]) for c in malformed_files())[what]
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    model = MLP(2, [2, 1], rng=1)
    with pytest.raises(ValueError, match=r"bad\.json"):
        model.load(path)


def test_load_wrong_keys_is_also_a_key_error_with_a_readable_message(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [1], rng=0).save(path)
    with pytest.raises(KeyError) as info:
        MLP(3, [1], rng=0).load(path)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("load: ")  # not KeyError's quoted repr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_load_refuses_a_fifo_without_hanging(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    model = MLP(2, [1], rng=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="not a regular file"):
        model.load(fifo)  # would block forever in open() or read() if it were opened blindly
    assert model.state_dict() == before


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_load_refuses_a_device():
    with pytest.raises(ValueError, match="not a regular file"):
        MLP(2, [1]).load("/dev/zero")


def test_load_refuses_a_folder(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        MLP(2, [1]).load(tmp_path)


def test_load_refuses_a_file_above_the_size_cap(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [1], rng=0).save(path)
    size = path.stat().st_size
    MLP(2, [1]).load(path, max_bytes=size)  # exactly at the cap: fine
    with pytest.raises(ValueError, match=f"{size} bytes, more than the {size - 1}"):
        MLP(2, [1]).load(path, max_bytes=size - 1)


def test_save_is_atomic_when_the_disk_fills(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = MLP(2, [3, 1], rng=0)
    old.save(path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        MLP(2, [3, 1], rng=1).save(path)
    assert path.read_bytes() == before  # the old file, intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temporary file left
    MLP(2, [3, 1], rng=2).load(path)


def test_save_keeps_permissions_and_replaces_the_file(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [1], rng=0).save(path)
    if os.name == "posix":
        path.chmod(0o640)
    new = MLP(2, [1], rng=5)
    new.save(path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert MLP(2, [1]).load(path).state_dict() == new.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_into_a_missing_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP(2, [1]).save(tmp_path / "no" / "model.json")
    assert list(tmp_path.iterdir()) == []


# ---- PyTorch habits ------------------------------------------------------------------------


def test_zero_grad_accepts_set_to_none_false():
    model = MLP(2, [2, 1], rng=0)
    model([1.0, 2.0]).backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad == 0.0 for p in model.parameters())
    model.zero_grad(False)
    model([1.0, 2.0]).backward()
    model.zero_grad(set_to_none=True)  # PyTorch's default; a grad here is always a float
    assert all(p.grad == 0.0 for p in model.parameters())
    with pytest.raises(TypeError, match="set_to_none"):
        model.zero_grad(set_to_none="no")


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), KeyError, "missing keys \\['layers.1.neurons.0.b'\\]"),
        (lambda s: s.update(extra=1.0), KeyError, "unexpected keys \\['extra'\\]"),
        (lambda s: s.update({"layers.0.neurons.1.w.1": "x"}), TypeError, "layers.0.neurons.1.w.1"),
        (lambda s: s.update({"layers.0.neurons.1.w.1": math.inf}), ValueError, "layers.0.neurons.1.w.1"),
        (lambda s: s.update({"layers.0.neurons.1.w.1": math.nan}), ValueError, "must be finite"),
    ],
)
def test_load_state_dict_errors_leave_model_unchanged(change, error, message):
    model = MLP(2, [2, 1], rng=0)
    before = model.state_dict()
    state = MLP(2, [2, 1], rng=5).state_dict()
    change(state)
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_rejects_non_mapping():
    with pytest.raises(TypeError, match="dict"):
        MLP(2, [1]).load_state_dict([1.0, 2.0, 3.0])


def test_load_state_dict_accepts_ints():
    model = Neuron(2, rng=0)
    model.load_state_dict({"w.0": 1, "w.1": -2, "b": 0})
    assert weights(model) == [1.0, -2.0, 0.0] and all(type(w) is float for w in weights(model))


# ---- gradients: finite differences and PyTorch, for every activation ---------------------


@pytest.mark.parametrize("activation", NAMED_ACTIVATIONS)
@given(
    seed=st.integers(0, 2**16),
    x=st.lists(finite_floats(-2, 2), min_size=3, max_size=3),
    coeffs=st.lists(finite_floats(-2, 2), min_size=2, max_size=2),
)
@settings(max_examples=8)
def test_mlp_gradients_vs_finite_differences(activation, seed, x, coeffs):
    model = MLP(3, [4, 3, 2], activation=activation, output_activation=activation, rng=seed)
    randomize_biases(model, seed)
    check_parameter_grads(model, x, coeffs)
    # and with respect to the inputs (what BP2 passes back to a previous layer)
    assert_grad_close(lambda *v: weighted_output(model, list(v), coeffs), x)


@pytest.mark.torch
@pytest.mark.parametrize("activation", NAMED_ACTIVATIONS)
@pytest.mark.parametrize("output_activation", [None, "sigmoid"])
def test_mlp_matches_torch(activation, output_activation):
    torch = pytest.importorskip("torch")
    from torch_reference import torch_activation

    model = MLP(3, [5, 4, 2], activation=activation, output_activation=output_activation, rng=11)
    randomize_biases(model)
    x, coeffs = [0.7, -1.3, 0.25], [0.8, -1.1]

    def tensor(values):
        return torch.tensor(values, dtype=torch.float64, requires_grad=True)

    layers = []
    for layer in model.layers:
        w = tensor([[w.data for w in n.w] for n in layer.neurons])
        b = tensor([n.b.data for n in layer.neurons])
        slope = tensor([n.slope.data for n in layer.neurons]) if layer.neurons[0].slope is not None else None
        layers.append((w, b, slope, torch_activation(layer.activation)))
    a = torch.tensor(x, dtype=torch.float64)
    for w, b, slope, act in layers:
        a = act(w @ a + b, slope)
    loss_t = (torch.tensor(coeffs, dtype=torch.float64) * a).sum()
    loss_t.backward()

    model.zero_grad()
    loss = weighted_output(model, x, coeffs)
    loss.backward()
    assert loss.data == pytest.approx(loss_t.item(), rel=1e-12, abs=1e-14)
    for layer, (w, b, slope, _) in zip(model.layers, layers):
        for j, n in enumerate(layer.neurons):
            assert [p.grad for p in n.w] == pytest.approx(w.grad[j].tolist(), rel=1e-10, abs=1e-13)
            assert n.b.grad == pytest.approx(b.grad[j].item(), rel=1e-10, abs=1e-13)
            if slope is not None:
                assert n.slope.grad == pytest.approx(slope.grad[j].item(), rel=1e-10, abs=1e-13)


def test_prelu_slopes_learn():
    n = Neuron(1, "prelu", rng=0)
    n.w[0].data = 1.0
    out = n([-2.0])  # z = -2 < 0: out = slope * z
    assert out.data == pytest.approx(-0.5)
    out.backward()
    assert n.slope.grad == pytest.approx(-2.0)


@pytest.mark.parametrize(
    "make", [lambda: Neuron(3, rng=0), lambda: Layer(3, 2, rng=0), lambda: MLP(3, [2], rng=0)]
)
def test_a_non_number_input_is_named_by_the_module_not_the_internal_dot(make):
    module = make()
    owner = type(module).__name__
    with pytest.raises(TypeError, match=rf"{owner}: input 1 must be a number or a Value, got str 'b'"):
        module([1.0, "b", 2.0])
