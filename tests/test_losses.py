"""Losses: values and gradients vs finite differences and PyTorch, stability, bad input."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, losses, nn
from micrograd_plus.losses import (
    ClassIndexError,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2_penalty,
    log_softmax,
    mse,
    softmax,
)
from micrograd_plus.testing import assert_grad_close, finite_floats

# ---- strategies ---------------------------------------------------------------------


@st.composite
def float_pairs(draw, lo=-5.0, hi=5.0, tlo=-5.0, thi=5.0, max_n=6):
    n = draw(st.integers(1, max_n))
    a = [draw(finite_floats(lo, hi)) for _ in range(n)]
    b = [draw(finite_floats(tlo, thi)) for _ in range(n)]
    return a, b


@st.composite
def margin_cases(draw, max_n=6):
    """Scores and ±1 labels with every margin y*s at least 1e-3 away from the kink at 1."""
    n = draw(st.integers(1, max_n))
    labels = [draw(st.sampled_from((-1, 1))) for _ in range(n)]
    scores = [draw(finite_floats(-4, 4).filter(lambda s: abs(1 - abs(s)) > 1e-3)) for _ in range(n)]
    return scores, labels


@st.composite
def bce_cases(draw, max_n=6):
    n = draw(st.integers(1, max_n))
    probs = [draw(finite_floats(0.02, 0.98)) for _ in range(n)]
    targets = [draw(st.one_of(st.sampled_from((0.0, 1.0)), finite_floats(0.0, 1.0))) for _ in range(n)]
    return probs, targets


@st.composite
def class_cases(draw, lo=-6.0, hi=6.0, max_n=4, max_c=5):
    n = draw(st.integers(1, max_n))
    c = draw(st.integers(1, max_c))
    logits = [[draw(finite_floats(lo, hi)) for _ in range(c)] for _ in range(n)]
    targets = [draw(st.integers(0, c - 1)) for _ in range(n)]
    return logits, targets


def torch_value_and_grads(fn, *arrays):
    """Run ``fn`` on float64 tensors that require grad; return (loss, [grad lists])."""
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward()
    return out.item(), [t.grad.tolist() for t in ts]


def ours_value_and_grads(fn, *arrays):
    """Run ``fn`` on Value leaves shaped like ``arrays`` (lists or lists of rows)."""

    def leaves(a):
        return [leaves(x) for x in a] if isinstance(a, list) else Value(a)

    def grads(a):
        return [grads(x) for x in a] if isinstance(a, list) else a.grad

    vs = [leaves(a) for a in arrays]
    out = fn(*vs)
    out.backward()
    return out.data, [grads(v) for v in vs]


def assert_nested_close(a, b, rel=1e-9, abs_=1e-12):
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_nested_close(x, y, rel, abs_)
    else:
        assert a == pytest.approx(b, rel=rel, abs=abs_)


# ---- mse ----------------------------------------------------------------------------


@given(float_pairs())
def test_mse_value_and_gradient_vs_finite_differences(case):
    preds, targets = case
    n = len(preds)
    expected = sum((p - t) ** 2 for p, t in zip(preds, targets)) / n
    assert mse(preds, targets).data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert_grad_close(lambda *v: mse(list(v[:n]), list(v[n:])), preds + targets)


def test_mse_gradient_is_two_diff_over_n():
    a, b = Value(3.0), Value(-1.0)
    loss = mse([a, b], [1.0, 1.0])
    loss.backward()
    assert loss.data == pytest.approx((4 + 4) / 2)
    assert (a.grad, b.grad) == pytest.approx((2.0, -2.0))


def test_mse_rows_average_every_element():
    preds = [[1.0, 2.0], [3.0, 5.0]]
    targets = [[0.0, 2.0], [3.0, 3.0]]
    assert mse(preds, targets).data == pytest.approx((1 + 0 + 0 + 4) / 4)


def test_mse_accepts_single_values_and_numbers():
    assert mse(Value(3.0), 1.0).data == 4.0
    assert isinstance(mse([1.0], [0.0]), Value)


@pytest.mark.torch
@given(float_pairs())
def test_mse_matches_torch(case):
    torch = pytest.importorskip("torch")
    ours = ours_value_and_grads(mse, *case)
    theirs = torch_value_and_grads(lambda a, b: torch.nn.functional.mse_loss(a, b), *case)
    assert_nested_close(ours, theirs)


@pytest.mark.torch
def test_mse_rows_match_torch():
    torch = pytest.importorskip("torch")
    preds = [[0.3, -1.2, 2.0], [1.0, 0.5, -0.7]]
    targets = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    ours = ours_value_and_grads(mse, preds, targets)
    theirs = torch_value_and_grads(lambda a, b: torch.nn.functional.mse_loss(a, b), preds, targets)
    assert_nested_close(ours, theirs)


# ---- hinge --------------------------------------------------------------------------


@given(margin_cases())
def test_hinge_value_and_gradient_vs_finite_differences(case):
    scores, labels = case
    expected = sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels)) / len(scores)
    assert hinge(scores, labels).data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert_grad_close(lambda *s: hinge(list(s), labels), scores)


def test_hinge_subgradient_at_the_kink_is_zero_like_relu():
    s = Value(1.0)
    hinge([s], [1]).backward()
    assert s.grad == 0.0


@pytest.mark.torch
@given(margin_cases())
def test_hinge_matches_torch(case):
    torch = pytest.importorskip("torch")
    scores, labels = case
    y = torch.tensor(labels, dtype=torch.float64)
    ours = ours_value_and_grads(lambda s: hinge(s, labels), scores)
    theirs = torch_value_and_grads(lambda s: torch.relu(1 - y * s).mean(), scores)
    assert_nested_close(ours, theirs)


# ---- binary cross-entropy -----------------------------------------------------------


@given(bce_cases())
def test_bce_value_and_gradient_vs_finite_differences(case):
    probs, targets = case
    n = len(probs)
    expected = -sum(t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in zip(probs, targets)) / n
    assert binary_cross_entropy(probs, targets).data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # gradient w.r.t. the probabilities and (soft, differentiable) targets, inside (0, 1)
    soft = [min(max(t, 0.01), 0.99) for t in targets]
    assert_grad_close(lambda *v: binary_cross_entropy(list(v[:n]), list(v[n:])), probs + soft)
    assert_grad_close(lambda *p: binary_cross_entropy(list(p), targets), probs)


@pytest.mark.torch
@given(bce_cases())
def test_bce_matches_torch(case):
    torch = pytest.importorskip("torch")
    ours = ours_value_and_grads(binary_cross_entropy, *case)
    theirs = torch_value_and_grads(torch.nn.functional.binary_cross_entropy, *case)
    assert_nested_close(ours, theirs, rel=1e-7, abs_=1e-10)
    # with constant targets (the usual case)
    probs, targets = case
    ours = ours_value_and_grads(lambda p: binary_cross_entropy(p, targets), probs)
    t = torch.tensor(targets, dtype=torch.float64)
    theirs = torch_value_and_grads(lambda p: torch.nn.functional.binary_cross_entropy(p, t), probs)
    assert_nested_close(ours, theirs, rel=1e-7, abs_=1e-10)


@pytest.mark.torch
def test_bce_clamps_the_log_at_minus_100_like_torch():
    torch = pytest.importorskip("torch")
    probs, targets = [0.0, 1.0, 0.0, 1.0, 1e-300], [0.0, 1.0, 1.0, 0.0, 1.0]
    loss = binary_cross_entropy(probs, targets)
    expected = torch.nn.functional.binary_cross_entropy(
        torch.tensor(probs, dtype=torch.float64), torch.tensor(targets, dtype=torch.float64)
    ).item()
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(expected, rel=1e-12)
    assert loss.data == pytest.approx(300 / 5)


def test_bce_of_sigmoid_at_500_is_finite():
    xs = [Value(500.0), Value(-500.0)]
    loss = binary_cross_entropy([x.sigmoid() for x in xs], [0.0, 1.0])
    loss.backward()
    assert loss.data == pytest.approx(100.0)
    assert all(math.isfinite(x.grad) for x in xs)


# ---- bce with logits ----------------------------------------------------------------


@given(float_pairs(lo=-10, hi=10, tlo=0.0, thi=1.0))
def test_bce_with_logits_value_and_gradient_vs_finite_differences(case):
    logits, targets = case
    n = len(logits)

    def reference(x, y):
        p = 1 / (1 + math.exp(-x))
        return -(y * math.log(p) + (1 - y) * math.log(1 - p))

    expected = sum(reference(x, y) for x, y in zip(logits, targets)) / n
    assert bce_with_logits(logits, targets).data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert_grad_close(lambda *v: bce_with_logits(list(v[:n]), list(v[n:])), logits + targets)


def test_bce_with_logits_gradient_is_sigmoid_minus_target_even_at_zero():
    for y in (0.0, 0.3, 1.0):
        x = Value(0.0)
        bce_with_logits([x], [y]).backward()
        assert x.grad == pytest.approx(0.5 - y, abs=1e-15)


@pytest.mark.torch
@given(float_pairs(lo=-30, hi=30, tlo=0.0, thi=1.0))
def test_bce_with_logits_matches_torch(case):
    torch = pytest.importorskip("torch")
    ours = ours_value_and_grads(bce_with_logits, *case)
    theirs = torch_value_and_grads(torch.nn.functional.binary_cross_entropy_with_logits, *case)
    assert_nested_close(ours, theirs, rel=1e-8, abs_=1e-9)


@pytest.mark.parametrize(
    ("logit", "target", "expected"),
    [
        (-20.5, 1.0, 20.500000001250154),  # softplus's linear cut-off would give 20.5
        (20.5, 0.0, 20.500000001250154),
        (40.0, 1.0, 4.248354255291589e-18),  # log(1 + e^-40): 0 with log(1 + exp(...))
        (-40.0, 0.0, 4.248354255291589e-18),
        (-100.0, 1.0, 100.0),
        (25.0, 0.25, 18.750000000013888),  # 0.75·25 + log1p(e^-25)
    ],
)
def test_bce_with_logits_is_exact_beyond_the_softplus_cutoff(logit, target, expected):
    assert bce_with_logits([logit], [target]).data == expected
    x = Value(logit)
    bce_with_logits([x], [Value(target)]).backward()  # a Value target takes the same formula
    sigmoid = 1.0 / (1.0 + math.exp(-logit))
    # the gradient (σ(x) - y) is exact to within one rounding of 1/2 (2^-54 absolute)
    assert x.grad == pytest.approx(sigmoid - target, rel=1e-15, abs=2.0**-54)


@pytest.mark.torch
@given(float_pairs(lo=-60, hi=60, tlo=0.0, thi=1.0))
def test_bce_with_logits_matches_torch_to_rounding_past_20(case):
    torch = pytest.importorskip("torch")
    ours = ours_value_and_grads(bce_with_logits, *case)
    theirs = torch_value_and_grads(torch.nn.functional.binary_cross_entropy_with_logits, *case)
    # NOTE: torch's log(1 + e^-|x|) is off by up to ~1e-7 relative where e^-|x| is tiny
    # (x = -17, y = 0: torch 4.1399374595e-08, ln(1 + e^-17) = 4.1399376331e-08), so torch
    # is checked to its own accuracy and the exact value to rounding.
    assert_nested_close(ours, theirs, rel=1e-6, abs_=1e-15)
    logits, targets = case
    n = len(logits)
    # (the exact loss of each sample: x*y in exact rational arithmetic, log1p to rounding)
    exact = float(
        sum(
            Fraction(max(x, 0.0)) - Fraction(x) * Fraction(y) + Fraction(math.log1p(math.exp(-abs(x))))
            for x, y in zip(logits, targets)
        )
        / n
    )
    assert ours[0] == pytest.approx(exact, rel=1e-13, abs=1e-15)
    exact_grads = [(1.0 / (1.0 + math.exp(-x)) - y) / n for x, y in zip(logits, targets)]
    assert_nested_close(ours[1][0], exact_grads, rel=1e-12, abs_=1e-15)


@pytest.mark.torch
def test_bce_with_logits_is_stable_at_500():
    torch = pytest.importorskip("torch")
    case = ([500.0, -500.0, 500.0, -500.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.5])
    ours = ours_value_and_grads(bce_with_logits, *case)
    theirs = torch_value_and_grads(torch.nn.functional.binary_cross_entropy_with_logits, *case)
    assert math.isfinite(ours[0])
    assert all(math.isfinite(g) for g in ours[1][0])
    assert ours[0] == pytest.approx(1000 / 5 + math.log(2) / 5)
    assert_nested_close(ours, theirs, rel=1e-12, abs_=1e-15)


# ---- softmax, log_softmax and cross-entropy ------------------------------------------


@given(st.lists(finite_floats(-8, 8), min_size=1, max_size=5), st.data())
def test_softmax_sums_to_one_and_has_the_right_gradient(zs, data):
    probs = softmax(zs)
    assert sum(p.data for p in probs) == pytest.approx(1.0)
    m = max(zs)
    total = sum(math.exp(z - m) for z in zs)
    for p, z in zip(probs, zs):
        assert p.data == pytest.approx(math.exp(z - m) / total, rel=1e-12)
    upstream = [data.draw(finite_floats(-2, 2)) for _ in zs]
    assert_grad_close(lambda *v: sum(c * p for c, p in zip(upstream, softmax(list(v)))), zs)
    assert_grad_close(lambda *v: sum(c * p for c, p in zip(upstream, log_softmax(list(v)))), zs)


def test_softmax_does_not_overflow():
    probs = softmax([1000, 999, -1000])
    assert [p.data for p in probs] == pytest.approx(
        [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1)), 0.0]
    )
    z = [Value(1000.0), Value(999.0), Value(-1000.0)]
    log_softmax(z)[0].backward()
    assert all(math.isfinite(v.grad) for v in z)


@pytest.mark.torch
@given(st.lists(finite_floats(-600, 600), min_size=1, max_size=5), st.data())
def test_softmax_and_log_softmax_match_torch(zs, data):
    torch = pytest.importorskip("torch")
    upstream = [data.draw(finite_floats(-2, 2)) for _ in zs]
    c = torch.tensor(upstream, dtype=torch.float64)
    for ours_fn, torch_fn in ((softmax, torch.softmax), (log_softmax, torch.log_softmax)):
        ours = ours_value_and_grads(lambda v, f=ours_fn: sum(k * p for k, p in zip(upstream, f(v))), zs)
        theirs = torch_value_and_grads(lambda t, f=torch_fn: (c * f(t, dim=0)).sum(), zs)
        assert_nested_close(ours, theirs, rel=1e-9, abs_=1e-12)


@given(class_cases())
def test_cross_entropy_value_and_gradient_vs_finite_differences(case):
    logits, targets = case
    n, c = len(logits), len(logits[0])

    def reference(row, t):
        m = max(row)
        return math.log(sum(math.exp(z - m) for z in row)) + m - row[t]

    expected = sum(reference(r, t) for r, t in zip(logits, targets)) / n
    assert cross_entropy(logits, targets).data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    flat = [z for row in logits for z in row]

    def f(*v):
        rows = [list(v[i * c : (i + 1) * c]) for i in range(n)]
        return cross_entropy(rows, targets)

    assert_grad_close(f, flat)


@pytest.mark.torch
@given(class_cases(lo=-600, hi=600))
def test_cross_entropy_matches_torch(case):
    torch = pytest.importorskip("torch")
    logits, targets = case
    t = torch.tensor(targets)
    ours = ours_value_and_grads(lambda z: cross_entropy(z, targets), logits)
    theirs = torch_value_and_grads(lambda z: torch.nn.functional.cross_entropy(z, t), logits)
    assert math.isfinite(ours[0])
    assert_nested_close(ours, theirs, rel=1e-9, abs_=1e-12)


def test_cross_entropy_is_stable_at_500():
    z = [[Value(500.0), Value(-500.0)], [Value(-500.0), Value(500.0)]]
    loss = cross_entropy(z, [1, 1])
    loss.backward()
    assert loss.data == pytest.approx(1000 / 2)
    assert [v.grad for row in z for v in row] == pytest.approx([0.5, -0.5, 0.0, 0.0])


def test_cross_entropy_accepts_a_single_sample():
    single = cross_entropy([2.0, 0.0, -1.0], 0).data
    assert single == pytest.approx(cross_entropy([[2.0, 0.0, -1.0]], [0]).data)


def test_cross_entropy_with_an_mlp():
    model = nn.MLP(2, [3, 4], rng=0)
    loss = cross_entropy([model([0.5, -1.0]), model([1.0, 2.0])], [3, 0])
    loss.backward()
    assert math.isfinite(loss.data) and any(p.grad != 0.0 for p in model.parameters())


# ---- l2 penalty ---------------------------------------------------------------------


@given(st.lists(finite_floats(-3, 3), min_size=1, max_size=6), finite_floats(0, 2))
def test_l2_penalty_value_and_gradient(thetas, weight):
    params = [Value(t) for t in thetas]
    r = l2_penalty(params, weight)
    assert r.data == pytest.approx(weight * sum(t * t for t in thetas), rel=1e-12, abs=1e-12)
    r.backward()
    assert [p.grad for p in params] == pytest.approx([2 * weight * t for t in thetas], rel=1e-12, abs=1e-12)
    assert_grad_close(lambda *v: l2_penalty(list(v), weight), thetas)


def test_l2_penalty_accepts_a_model():
    model = nn.MLP(2, [3, 1], rng=1)
    assert l2_penalty(model, 0.5).data == pytest.approx(0.5 * sum(p.data**2 for p in model.parameters()))


# ---- inputs as Values or numbers, and bad input ---------------------------------------


def test_targets_may_be_values_and_receive_gradients():
    p, t = Value(0.5), Value(2.0)
    mse([p], [t]).backward()
    assert (p.grad, t.grad) == pytest.approx((-3.0, 3.0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mse([1.0, 2.0], [1.0]), "2 preds but 1 targets"),
        (lambda: hinge([1.0], [1, -1]), "1 scores but 2 labels"),
        (lambda: binary_cross_entropy([0.5] * 3, [1.0] * 4), "3 probs but 4 targets"),
        (lambda: bce_with_logits([0.5], []), "1 logits but 0 targets"),
        (lambda: cross_entropy([[1.0, 2.0]] * 2, [0]), "2 logits rows but 1 targets"),
        (lambda: mse([[1.0, 2.0]], [[1.0]]), "sample 0 has 2 preds but 1 targets"),
        (lambda: mse([1.0, 2.0], 1.0), "single value"),
    ],
)
def test_mismatched_lengths_raise_value_error_with_both_lengths(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: mse([], []),
        lambda: hinge([], []),
        lambda: binary_cross_entropy([], []),
        lambda: bce_with_logits([], []),
        lambda: cross_entropy([], []),
        lambda: cross_entropy([[]], [0]),
        lambda: softmax([]),
        lambda: log_softmax([]),
        lambda: l2_penalty([]),
    ],
)
def test_empty_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_hinge_rejects_labels_other_than_plus_minus_one():
    with pytest.raises(ValueError, match=r"\+1 or -1, got 0.0 at index 1"):
        hinge([0.5, 0.2], [1, 0])


@pytest.mark.parametrize(
    ("probs", "targets", "message"),
    [
        ([1.5], [1.0], "probs must be in \\[0, 1\\], got 1.5"),
        ([-0.1], [0.0], "probs must be in \\[0, 1\\], got -0.1"),
        ([math.nan], [0.0], "probs must be in"),
        ([0.5], [2.0], "targets must be in \\[0, 1\\], got 2.0"),
    ],
)
def test_bce_rejects_out_of_range_inputs(probs, targets, message):
    with pytest.raises(ValueError, match=message):
        binary_cross_entropy(probs, targets)


def test_cross_entropy_checks_class_indices():
    with pytest.raises(ValueError, match="target 3 at index 1 is out of range for 3 classes"):
        cross_entropy([[1.0, 2.0, 3.0]] * 2, [0, 3])
    with pytest.raises(IndexError):  # the same error, catchable as PyTorch's IndexError
        cross_entropy([[1.0, 2.0, 3.0]], [-1])
    assert issubclass(ClassIndexError, ValueError)
    with pytest.raises(TypeError, match="class indices"):
        cross_entropy([[1.0, 2.0]], [1.0])
    with pytest.raises(TypeError, match="class indices"):
        cross_entropy([[1.0, 2.0]], [True])
    with pytest.raises(ValueError, match="sample 0 has 2 class scores but sample 1 has 3"):
        cross_entropy([[1.0, 2.0], [1.0, 2.0, 3.0]], [0, 0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: mse(["1.0"], [1.0]),
        lambda: mse([None], [1.0]),
        lambda: hinge([1.0], ["a"]),
        lambda: softmax([1.0, "x"]),
        lambda: l2_penalty([Value(1.0), "w"]),
        lambda: l2_penalty(Value(1.0)),
        lambda: l2_penalty([Value(1.0)], weight="big"),
    ],
)
def test_non_numeric_input_raises_type_error(call):
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize("weight", [-1.0, math.inf, math.nan])
def test_l2_penalty_rejects_bad_weights(weight):
    with pytest.raises(ValueError, match="weight"):
        l2_penalty([Value(1.0)], weight)


def test_every_public_loss_is_exported():
    for name in losses.__all__:
        assert callable(getattr(losses, name))


def test_losses_are_twice_differentiable():
    # built from ops only, so grad(create_graph=True) works through them
    from micrograd_plus import grad

    x = Value(0.7)
    (g,) = grad(bce_with_logits([x], [1.0]), [x], create_graph=True)
    (h,) = grad(g, [x])
    s = 1 / (1 + math.exp(-0.7))
    assert g.data == pytest.approx(s - 1.0) and h.data == pytest.approx(s * (1 - s))
    z = [Value(0.2), Value(-1.0), Value(0.5)]
    (g0,) = grad(cross_entropy([z], [2]), [z[0]], create_graph=True)
    (h00,) = grad(g0, [z[0]])
    p0 = softmax([0.2, -1.0, 0.5])[0].data
    assert g0.data == pytest.approx(p0) and h00.data == pytest.approx(p0 * (1 - p0))
