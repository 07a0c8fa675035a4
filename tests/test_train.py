"""micrograd_plus.train: fit() in every batch mode, its history, progress output and errors."""

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, data, losses, nn, optim
from micrograd_plus.train import History, accuracy, fit, make_optimizer, predict

# ---- helpers ----------------------------------------------------------------------------


class Recorder:
    """A one-parameter model a = w · x_0 that records the rows it is called with."""

    def __init__(self) -> None:
        self.w = Value(0.5, label="w")
        self.calls: list[float] = []

    def __call__(self, x):
        self.calls.append(x[0])
        return self.w * x[0]

    def parameters(self):
        return [self.w]


def moons(n=40, seed=0):
    return data.make_moons(n_samples=n, noise=0.1, seed=seed)


def small_mlp(seed=0, nouts=(8, 8, 1), **kw):
    return nn.MLP(2, list(nouts), rng=seed, **kw)


def weights(model):
    return [p.data for p in model.parameters()]


# ---- batch modes actually train -----------------------------------------------------


@pytest.mark.parametrize(
    ("batch_size", "lr", "epochs", "steps_per_epoch"),
    [(None, 0.05, 80, 1), (1, 0.01, 15, 40), (8, 0.03, 30, 5)],
)
def test_each_batch_mode_reduces_loss_and_classifies(batch_size, lr, epochs, steps_per_epoch):
    X, y = moons()
    model = small_mlp()
    opt = optim.Adam(model.parameters(), lr=lr)
    before = accuracy(model, X, y)
    h = fit(model, X, y, "hinge", opt, epochs, batch_size, progress=False)
    assert h.steps[-1] == epochs * steps_per_epoch
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert accuracy(model, X, y) >= 0.95 > before


def test_full_batch_epoch_is_one_gradient_step():
    """fit(epochs=1) == zero_grad, forward, hinge + l2, backward, SGD step, done by hand."""
    X, y = moons(20)
    a, b = small_mlp(3), small_mlp(3)
    fit(a, X, y, "hinge", optim.SGD(a.parameters(), lr=0.3), 1, l2=0.01, progress=False)
    opt = optim.SGD(b.parameters(), lr=0.3)
    opt.zero_grad()
    loss = losses.hinge([b(x) for x in X], [2 * t - 1 for t in y]) + losses.l2_penalty(b.parameters(), 0.01)
    loss.backward()
    opt.step()
    assert weights(a) == weights(b)


def test_sgd_without_shuffle_steps_through_samples_in_order():
    X, y = moons(6)
    a, b = small_mlp(1), small_mlp(1)
    h = fit(a, X, y, "hinge", optim.SGD(a.parameters(), lr=0.1), 1, 1, shuffle=False, progress=False)
    opt = optim.SGD(b.parameters(), lr=0.1)
    total = 0.0
    for x, t in zip(X, y):
        opt.zero_grad()
        loss = losses.hinge([b(x)], [2 * t - 1])
        loss.backward()
        opt.step()
        total += loss.data
    assert weights(a) == weights(b)
    assert h.loss == [pytest.approx(total / 6, rel=1e-12)]
    assert h.steps == [6]


# ---- sample order, shuffling and determinism ----------------------------------------


@given(
    n=st.integers(1, 20),
    batch_size=st.one_of(st.none(), st.integers(1, 25)),
    epochs=st.integers(1, 3),
    shuffle=st.booleans(),
    seed=st.integers(0, 100),
)
def test_every_epoch_visits_every_sample_once(n, batch_size, epochs, shuffle, seed):
    X = [[float(i)] for i in range(n)]
    y = [float(i % 3) for i in range(n)]
    model = Recorder()
    h = fit(
        model,
        X,
        y,
        "mse",
        optim.SGD(model.parameters(), lr=1e-3),
        epochs,
        batch_size,
        shuffle=shuffle,
        seed=seed,
        progress=False,
    )
    calls = model.calls[1:]  # the first call is fit's shape probe, before training
    assert len(calls) == epochs * n
    for e in range(epochs):
        seen = calls[e * n : (e + 1) * n]
        assert sorted(seen) == [float(i) for i in range(n)]
        if not shuffle or batch_size is None or batch_size >= n:
            assert seen == [float(i) for i in range(n)]
    per_epoch = 1 if batch_size is None else math.ceil(n / batch_size)
    assert h.steps == [per_epoch * (e + 1) for e in range(epochs)]


def test_shuffling_is_deterministic_per_seed():
    X, y = moons(30)
    runs = {}
    for seed in (4, 4, 5):
        model = small_mlp()
        h = fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.05), 3, 4, seed=seed, progress=False)
        runs.setdefault(seed, []).append((weights(model), h.loss, h.accuracy))
    assert runs[4][0] == runs[4][1]
    assert runs[4][0][0] != runs[5][0][0]


def test_global_random_state_is_not_used():
    import random

    X, y = moons(12)
    random.seed(1)
    state = random.getstate()
    model = small_mlp()
    fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 2, 3, progress=False)
    assert random.getstate() == state


# ---- history ------------------------------------------------------------------------


def test_history_lengths_and_contents():
    X, y = moons(20)
    model = small_mlp()
    h = fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 4, 6, progress=False)
    assert isinstance(h, History) and len(h) == 4
    for name in ("epoch", "loss", "accuracy", "lr", "time", "steps"):
        assert len(getattr(h, name)) == 4, name
    assert h.epoch == [1, 2, 3, 4]
    assert h.steps == [4, 8, 12, 16]
    assert h.lr == [0.1] * 4
    assert all(b >= a >= 0 for a, b in zip(h.time, h.time[1:]))
    assert all(0.0 <= a <= 1.0 for a in h.accuracy)
    assert all(k / 20 == pytest.approx(a) for a in h.accuracy for k in [round(a * 20)])
    assert h.to_dict()["loss"] == h.loss
    assert "4 epochs" in repr(h) and "accuracy" in repr(h)


def test_accuracy_is_the_epochs_running_count_before_each_step():
    """Full batch: the recorded accuracy/loss are the model's before the epoch's step."""
    X, y = moons(20)
    model = small_mlp(2)
    before_acc = accuracy(model, X, y)
    before_loss = losses.hinge([model(x) for x in X], [2 * t - 1 for t in y]).data
    h = fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 1, progress=False)
    assert h.accuracy == [before_acc]
    assert h.loss == [pytest.approx(before_loss, rel=1e-12)]


def test_regression_has_no_accuracy():
    X, y = data.make_sine(n_samples=30, seed=0)
    model = nn.MLP(1, [16, 1], activation="tanh", rng=0)
    h = fit(model, X, y, "mse", optim.Adam(model.parameters(), lr=0.05), 60, progress=False)
    assert h.accuracy == []
    assert h.loss[-1] < 0.3 * h.loss[0]


def test_zero_epochs_trains_nothing():
    X, y = moons(10)
    model = small_mlp()
    w = weights(model)
    h = fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 0)
    assert len(h) == 0 and weights(model) == w and repr(h) == "History(0 epochs)"


# ---- schedules, callbacks, optimizers by name ---------------------------------------


def test_schedule_is_stepped_once_per_epoch():
    X, y = moons(10)
    model = small_mlp()
    opt = optim.SGD(model.parameters(), lr=0.4)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(model, X, y, "hinge", opt, 5, 5, schedule=sched, progress=False)
    assert h.lr == pytest.approx([0.4, 0.4, 0.2, 0.2, 0.1])
    assert opt.lr == pytest.approx(0.1)  # after 5 steps: 0.4 · 0.5^(5 // 2)


def test_schedule_factory_and_inverse_time():
    X, y = moons(10)
    model = small_mlp()
    h = fit(
        model,
        X,
        y,
        "hinge",
        "sgd",
        4,
        lr=0.3,
        progress=False,
        schedule=lambda opt: optim.InverseTimeLR(opt, decay=1.0),
    )
    assert h.lr == pytest.approx([0.3 / (1 + k) for k in range(4)])


def test_schedule_for_another_optimizer_is_rejected():
    X, y = moons(10)
    model = small_mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    other = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="different optimizer"):
        fit(model, X, y, "hinge", opt, 1, schedule=optim.StepLR(other, 1))


def test_callback_sees_history_and_can_stop():
    X, y = moons(10)
    model = small_mlp()
    seen = []

    def callback(epoch, history):
        seen.append((epoch, len(history)))
        return epoch == 3

    h = fit(
        model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 10, callback=callback, progress=False
    )
    assert seen == [(1, 1), (2, 2), (3, 3)]
    assert len(h) == 3


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"])
def test_optimizer_by_name(name):
    model = small_mlp()
    opt = make_optimizer(name, model.parameters(), lr=0.01)
    assert opt.lr == 0.01
    if name in ("momentum", "nesterov"):
        assert opt.momentum == 0.9 and opt.nesterov == (name == "nesterov")
    X, y = moons(10)
    h = fit(model, X, y, "hinge", name, 2, lr=0.01, progress=False)
    assert h.lr == [0.01, 0.01]


def test_optimizer_name_defaults_and_errors():
    model = small_mlp()
    assert make_optimizer("adam", model.parameters()).lr == 1e-3
    with pytest.raises(ValueError, match="needs a learning rate"):
        make_optimizer("sgd", model.parameters())
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        make_optimizer("lbfgs", model.parameters(), lr=0.1)


# ---- every loss name, with its label conversion ------------------------------------


def test_cross_entropy_on_three_blobs():
    X, y = data.make_blobs(n_samples=30, noise=0.3, seed=0)
    model = small_mlp(nouts=(8, 3))
    h = fit(model, X, y, "cross_entropy", optim.Adam(model.parameters(), lr=0.05), 40, progress=False)
    assert h.loss[-1] < 0.3 * h.loss[0]
    assert accuracy(model, X, y) >= 0.9
    assert h.accuracy[-1] >= 0.9


def test_mse_with_class_labels_uses_one_hot_targets():
    X, y = data.make_blobs(n_samples=30, noise=0.3, seed=1)
    model = small_mlp(nouts=(8, 3))
    h = fit(model, X, y, "mse", optim.Adam(model.parameters(), lr=0.05), 40, progress=False)
    assert h.accuracy[-1] >= 0.9
    # the recorded loss is the mean over all 3 components of the one-hot targets
    one_hot = [[1.0 if j == t else 0.0 for j in range(3)] for t in y]
    outs = predict(model, X)
    manual = sum((o - t) ** 2 for row, trow in zip(outs, one_hot) for o, t in zip(row, trow)) / 90
    h2 = fit(model, X, y, "mse", optim.SGD(model.parameters(), lr=1e-12), 1, progress=False)
    assert h2.loss[0] == pytest.approx(manual, rel=1e-9)


@pytest.mark.parametrize(
    ("loss", "output_activation"),
    [("bce", "sigmoid"), ("binary_cross_entropy", "sigmoid"), ("bce_with_logits", None)],
)
def test_binary_cross_entropy_variants(loss, output_activation):
    X, y = moons(30)
    model = small_mlp(output_activation=output_activation)
    h = fit(model, X, y, loss, optim.Adam(model.parameters(), lr=0.05), 50, progress=False)
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.accuracy[-1] >= 0.9
    assert accuracy(model, X, y, loss=loss) >= 0.9


def test_hinge_accepts_plus_minus_one_labels():
    X, y = moons(20)
    a, b = small_mlp(), small_mlp()
    fit(a, X, y, "hinge", optim.SGD(a.parameters(), lr=0.1), 2, progress=False)
    fit(b, X, [2 * t - 1 for t in y], "hinge", optim.SGD(b.parameters(), lr=0.1), 2, progress=False)
    assert weights(a) == weights(b)


def test_callable_loss_gets_the_labels_as_given():
    X, y = moons(12)
    model = small_mlp()
    received = []

    def my_loss(preds, targets):
        received.append(list(targets))
        return losses.hinge(preds, [2 * t - 1 for t in targets])

    h = fit(model, X, y, my_loss, optim.SGD(model.parameters(), lr=0.1), 2, 12, shuffle=False, progress=False)
    assert received == [y, y]
    assert len(h.accuracy) == 2  # int labels: classification


# ---- predict and accuracy -----------------------------------------------------------


def test_predict_and_accuracy():
    model = lambda x: Value(x[0] - x[1])
    X = [[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 0.5]]
    assert predict(model, X) == [1.0, -1.0, 1.0, -0.5]
    assert accuracy(model, X, [1, 0, 1, 1]) == 0.75
    assert accuracy(model, X, [1, -1, 1, -1]) == 1.0
    assert accuracy(model, X, [1, 0, 1, 1], threshold=1.5) == 0.25
    multi = lambda x: [Value(x[0]), Value(x[1]), Value(0.7)]
    assert predict(multi, X)[3] == [0.0, 0.5, 0.7]
    assert accuracy(multi, X, [0, 1, 0, 2]) == 1.0


def test_predict_records_no_graph():
    model = small_mlp()
    outs = []
    real_call = model.__call__

    class Spy:
        def __call__(self, x):
            outs.append(real_call(x))
            return outs[-1]

    predict(Spy(), [[0.1, 0.2]])
    assert outs[0].parents == ()


# ---- progress output ----------------------------------------------------------------


def test_progress_false_prints_nothing(capsys):
    X, y = moons(10)
    model = small_mlp()
    fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 3, progress=False)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    X, y = moons(10)
    model = small_mlp()
    fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 3)
    out, err = capsys.readouterr()
    assert out == ""
    assert "3/3" in err and "loss" in err and "acc" in err


def test_plain_text_progress_without_tqdm(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    X, y = moons(10)
    model = small_mlp()
    fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 3)
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("\rfit [") and err.endswith("\n") and err.count("\n") == 1
    assert "epoch 3/3" in err and "loss" in err


def test_progress_in_a_notebook_without_ipywidgets_updates_one_display(capsys, monkeypatch):
    pytest.importorskip("IPython")
    import IPython.display

    from micrograd_plus import train

    calls = []

    class Handle:
        def update(self, obj, raw=False):
            calls.append(("update", obj))

    def display(obj, raw=False, display_id=None):
        calls.append(("display", obj))
        assert display_id is True and raw
        return Handle()

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(train, "_in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed
    X, y = moons(10)
    model = small_mlp()
    fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 3)
    out, err = capsys.readouterr()
    assert out == "" and err == ""  # nothing on stderr: no line per update in the saved notebook
    assert [kind for kind, _ in calls].count("display") == 1
    final = calls[-1][1]
    assert "epoch 3/3" in final["text/plain"] and "loss" in final["text/plain"]
    assert '<progress value="3" max="3"' in final["text/html"]


def test_progress_uses_tqdm_auto_when_ipywidgets_is_installed(monkeypatch):
    pytest.importorskip("tqdm")
    import types

    import tqdm.auto

    from micrograd_plus import train

    monkeypatch.setitem(sys.modules, "ipywidgets", types.ModuleType("ipywidgets"))
    made = []

    class FakeAuto:
        def __init__(self, **kwargs):
            made.append(kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", FakeAuto)
    bar = train._progress(5)
    assert isinstance(bar.bar, FakeAuto) and made[0]["total"] == 5


def test_progress_without_ipywidgets_outside_a_notebook_is_plain_tqdm(monkeypatch):
    pytest.importorskip("tqdm")
    import tqdm

    from micrograd_plus import train

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    bar = train._progress(2)
    assert type(bar.bar) is tqdm.tqdm
    bar.close()


# ---- bad arguments: clear errors, model untouched -----------------------------------


def bad_call_cases():
    _, y = moons(10)
    return [
        (dict(epochs=-1), ValueError, "epochs must be >= 0, got -1"),
        (dict(epochs=2.5), TypeError, "epochs must be an int"),
        (dict(batch_size=0), ValueError, "batch_size must be >= 1, got 0"),
        (dict(batch_size="8"), TypeError, "batch_size must be an int"),
        (dict(y=y[:-1]), ValueError, "X has 10 rows but y has 9 labels"),
        (dict(X=[]), ValueError, "X is empty"),
        (dict(X=[1.0] * 10), TypeError, r"X\[0\] is a single number"),
        (dict(X=[[0.0, 1.0]] * 9 + [[0.0]]), ValueError, r"X\[9\] has 1 features but X\[0\] has 2"),
        (dict(X=[[0.0, "a"]] * 10), TypeError, r"X\[0\]\[1\] must be a number"),
        (dict(X=[[0.0, 1.0, 2.0]] * 10), ValueError, "expects 2 inputs, got 3"),
        (dict(loss="hingee"), ValueError, "loss must be a callable"),
        (dict(y=[2] * 10), ValueError, r"hinge needs labels .* got y\[0\]=2"),
        (dict(y=[0] * 5 + [-1] * 5), ValueError, "not a mix"),
        (dict(loss="cross_entropy"), ValueError, "one output per class"),
        (dict(loss="bce", y=[1.5] * 10), ValueError, r"targets in \[0, 1\]"),
        (dict(optimizer=object()), TypeError, "optimizer must be"),
        (dict(lr=0.1), ValueError, "lr= is only used with an optimizer name"),
        (dict(l2=-1e-4), ValueError, "l2 .* got -0.0001"),
        (dict(seed=1.0), TypeError, "seed must be an int"),
        (dict(callback=3), TypeError, "callback must be callable"),
        (dict(schedule=3), TypeError, "schedule must be"),
        (dict(X=[[0.0, math.nan]] * 10), ValueError, r"X\[0\]\[1\] is nan; training needs finite"),
        (dict(X=[[0.0, 1.0]] * 9 + [[math.inf, 0.0]]), ValueError, r"X\[9\]\[0\] is inf"),
        (dict(shuffle="no"), TypeError, "shuffle must be True or False, got str 'no'"),
        (dict(progress="false"), TypeError, "progress must be True or False, got str 'false'"),
        (dict(shuffle=None), TypeError, "shuffle must be True or False"),
        (dict(model=nn.Layer(2, 1, rng=0)), TypeError, r"list of one Value \(as Layer\(nin, 1\) does\)"),
        (dict(loss="mse", y=[math.nan] * 10), ValueError, r"y\[0\] is nan"),
    ]


@pytest.mark.parametrize(("kwargs", "error", "match"), bad_call_cases())
def test_bad_arguments_raise_and_leave_the_model_untouched(kwargs, error, match):
    X, y = moons(10)
    model = small_mlp()
    opt = optim.Adam(model.parameters(), lr=0.1)
    args = dict(model=model, X=X, y=y, loss="hinge", optimizer=opt, epochs=2)
    args.update(kwargs)
    args.setdefault("progress", False)
    state = model.state_dict()
    with pytest.raises(error, match=match):
        fit(**args)
    assert model.state_dict() == state
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_layer_with_one_output_trains_with_a_loss_of_your_own():
    X, y = moons(10)
    layer = nn.Layer(2, 1, activation="linear", rng=0)

    def my_loss(preds, targets):  # preds: one list of one Value per sample
        return losses.hinge([p[0] for p in preds], [2 * t - 1 for t in targets])

    h = fit(layer, X, y, my_loss, optim.SGD(layer.parameters(), lr=0.1), 2, progress=False)
    assert len(h.loss) == 2


def test_multi_output_model_with_hinge_is_rejected():
    X, y = moons(10)
    model = small_mlp(nouts=(4, 2))
    with pytest.raises(ValueError, match="needs a model with one output"):
        fit(model, X, y, "hinge", optim.SGD(model.parameters(), lr=0.1), 1)
    with pytest.raises(ValueError, match=r"class indices 0..1 .* got y\[0\]=5"):
        fit(model, X, [5] * 10, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), 1)


def test_optimizer_of_another_model_is_rejected():
    X, y = moons(10)
    model, other = small_mlp(), small_mlp()
    with pytest.raises(ValueError, match="none of the model's parameters"):
        fit(model, X, y, "hinge", optim.SGD(other.parameters(), lr=0.1), 1)


def test_numpy_inputs_are_accepted():
    np = pytest.importorskip("numpy")
    X, y = moons(20)
    a, b = small_mlp(), small_mlp()
    fit(a, X, y, "hinge", optim.SGD(a.parameters(), lr=0.1), 2, progress=False)
    fit(b, np.array(X), np.array(y), "hinge", optim.SGD(b.parameters(), lr=0.1), 2, progress=False)
    assert weights(a) == weights(b)
    assert accuracy(b, np.array(X), np.array(y)) == accuracy(a, X, y)
