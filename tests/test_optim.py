"""Optimizers and schedules: exact hand-computed steps, torch.optim trajectories, bad input."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import Value, detect_anomaly, no_grad
from micrograd_plus.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    InverseTimeLR,
    Optimizer,
    RMSprop,
    StepLR,
)

# ---- helpers ---------------------------------------------------------------------------


def run_quadratic(make_opt, steps: int, a: float = 2.0, theta0: float = 1.0) -> list[float]:
    """Minimise f(θ) = ½ a θ² (so g = a θ) and return [θ(1), θ(2), ...] after each step."""
    theta = Value(theta0, label="θ")
    opt = make_opt([theta])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * a * theta * theta
        loss.backward()
        opt.step()
        out.append(theta.data)
    return out


def approx(xs, rel=1e-12, abs=1e-15):
    return pytest.approx(xs, rel=rel, abs=abs)


def snapshot(opt: Optimizer, params: list[Value]) -> tuple:
    return [p.data for p in params], [p.grad for p in params], copy.deepcopy(vars(opt))


# ---- hand-computed steps on f(θ) = ½ a θ², a = 2, θ(0) = 1, so g(k) = 2 θ(k) ----------


def test_sgd_plain():
    # θ ← θ − 0.1 · 2θ = 0.8 θ
    assert run_quadratic(lambda p: SGD(p, lr=0.1), 3) == approx([0.8, 0.64, 0.512])


def test_sgd_weight_decay():
    # g ← 2θ + 0.5θ = 2.5θ, so θ ← (1 − 0.25) θ = 0.75 θ
    assert run_quadratic(lambda p: SGD(p, lr=0.1, weight_decay=0.5), 3) == approx([0.75, 0.5625, 0.421875])


def test_sgd_momentum_heavy_ball():
    # b1 = g1 = 2           θ1 = 1 − 0.1·2 = 0.8
    # g2 = 1.6, b2 = 0.9·2 + 1.6 = 3.4       θ2 = 0.8 − 0.34 = 0.46
    # g3 = 0.92, b3 = 0.9·3.4 + 0.92 = 3.98  θ3 = 0.46 − 0.398 = 0.062
    thetas = run_quadratic(lambda p: SGD(p, lr=0.1, momentum=0.9), 3)
    assert thetas == approx([0.8, 0.46, 0.062])
    # and it is the lecture's heavy ball θ3 = θ2 − α g2 + β (θ2 − θ1)
    assert thetas[2] == pytest.approx(0.46 - 0.1 * 0.92 + 0.9 * (0.46 - 0.8), rel=1e-12)


def test_sgd_momentum_with_weight_decay():
    # g' = 2.5θ; b1 = 2.5, θ1 = 0.75; g2' = 1.875, b2 = 0.5·2.5 + 1.875 = 3.125, θ2 = 0.4375
    assert run_quadratic(lambda p: SGD(p, lr=0.1, momentum=0.5, weight_decay=0.5), 2) == approx(
        [0.75, 0.4375]
    )


def test_sgd_dampening_is_the_lecture_ema():
    # momentum = dampening = 0.9: b1 = g1 = 2 (no (1 − τ) on the first step), θ1 = 0.8
    # g2 = 1.6,   b2 = 0.9·2 + 0.1·1.6 = 1.96,       θ2 = 0.8 − 0.196 = 0.604
    # g3 = 1.208, b3 = 0.9·1.96 + 0.1·1.208 = 1.8848, θ3 = 0.604 − 0.18848 = 0.41552
    thetas = run_quadratic(lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.9), 3)
    assert thetas == approx([0.8, 0.604, 0.41552])


def test_sgd_nesterov():
    # b1 = 2,    d1 = 2 + 0.9·2 = 3.8,           θ1 = 1 − 0.38 = 0.62
    # g2 = 1.24, b2 = 1.8 + 1.24 = 3.04,  d2 = 1.24 + 0.9·3.04 = 3.976,  θ2 = 0.2224
    # g3 = 0.4448, b3 = 2.736 + 0.4448 = 3.1808, d3 = 0.4448 + 2.86272 = 3.30752, θ3 = −0.108352
    thetas = run_quadratic(lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True), 3)
    assert thetas == approx([0.62, 0.2224, -0.108352])


def test_adam_three_steps():
    # eps = 0 keeps the numbers exact. β1 = 0.9, β2 = 0.999, α = 0.1.
    # k=1: g=2,   m=0.2,  v=0.004,    m̂=2,          v̂=4,           θ = 1 − 0.1·2/2 = 0.9
    # k=2: g=1.8, m=0.36, v=0.007236, m̂=0.36/0.19,  v̂=0.007236/0.001999
    #      θ = 0.9 − 0.1·1.894736842/√3.619809905 = 0.8004122277
    # k=3: g=1.600824455, m=0.4840824455, v=0.009791402937, m̂=1.786282087, v̂=3.267066957
    #      θ = 0.8004122277 − 0.1·1.786282087/1.807502962 = 0.7015862714
    thetas = run_quadratic(lambda p: Adam(p, lr=0.1, eps=0.0), 3)
    assert thetas == approx([0.9, 0.8004122276712476, 0.7015862713876456], rel=1e-12)


def test_adam_first_step_with_default_eps():
    # m̂ = g and √v̂ = |g| on step 1, so θ1 = θ0 − α g/(|g| + ε)
    assert run_quadratic(lambda p: Adam(p, lr=0.1), 1) == approx([1 - 0.1 * 2 / (2 + 1e-8)])


def test_adam_weight_decay_is_l2_on_the_gradient():
    # eps = 1 (so the scale of g matters). g' = 2θ + 0.5θ = 2.5θ.
    # k=1: m̂ = 2.5, √v̂ = 2.5: θ1 = 1 − 0.1·2.5/3.5 = 0.9285714286
    # k=2: g' = 2.321428571, m = 0.4571428571, v = 0.01163278061,
    #      m̂ = 2.406015038, v̂ = 5.819299956: θ2 = θ1 − 0.1·2.406015/(2.412322 + 1) = 0.8580618264
    thetas = run_quadratic(lambda p: Adam(p, lr=0.1, eps=1.0, weight_decay=0.5), 2)
    assert thetas == approx([0.9285714285714286, 0.8580618263514743])
    # without decay: θ1 = 1 − 0.1·2/3
    assert run_quadratic(lambda p: Adam(p, lr=0.1, eps=1.0), 1) == approx([1 - 0.2 / 3])


def test_adamw_decoupled_weight_decay():
    # θ ← θ(1 − α λ) = 0.95 θ first, then the Adam step from the raw g (eps = 0):
    # k=1: g=2:   θ1 = 0.95 − 0.1 = 0.85
    # k=2: g=1.7, m=0.35, v=0.006886: θ2 = 0.85·0.95 − 0.1·(0.35/0.19)/√(0.006886/0.001999) = 0.7082484424
    thetas = run_quadratic(lambda p: AdamW(p, lr=0.1, eps=0.0, weight_decay=0.5), 2)
    assert thetas == approx([0.85, 0.7082484423538383])


def test_adamw_default_weight_decay_is_1e_2():
    assert AdamW([Value(1.0)]).weight_decay == 1e-2
    assert Adam([Value(1.0)]).weight_decay == 0.0


def test_rmsprop_three_steps():
    # α = 0.01, a = 0.99, eps = 0.
    # k=1: g=2,   v = 0.01·4 = 0.04,               θ = 1 − 0.01·2/0.2 = 0.9
    # k=2: g=1.8, v = 0.99·0.04 + 0.01·3.24 = 0.072, θ = 0.9 − 0.01·1.8/√0.072 = 0.8329179607
    # k=3: g=1.665835921, v = 0.09903009317,       θ = 0.7799822645
    thetas = run_quadratic(lambda p: RMSprop(p, eps=0.0), 3)
    assert thetas == approx([0.9, 0.8329179606750063, 0.7799822645049154])


def test_rmsprop_momentum():
    # β = 0.5; b(0) = 0 and b ← β b + g/√v:
    # k=1: b = 2/0.2 = 10,                     θ = 1 − 0.01·10 = 0.9
    # k=2: b = 5 + 1.8/√0.072 = 11.70820393,   θ = 0.9 − 0.1170820393 = 0.7829179607
    # k=3: g = 1.565835921, v = 0.09579842133, b = 10.91312988, θ = 0.6737866619
    thetas = run_quadratic(lambda p: RMSprop(p, momentum=0.5, eps=0.0), 3)
    assert thetas == approx([0.9, 0.7829179606750063, 0.6737866618749461])


def test_adagrad_three_steps():
    # α = 0.1, eps = 0: s ← s + g²
    # k=1: s = 4,    θ = 1 − 0.1·2/2 = 0.9
    # k=2: s = 7.24, θ = 0.9 − 0.1·1.8/√7.24 = 0.8331035268
    # k=3: g = 1.666207054, s = 10.01624595, θ = 0.7804561813
    thetas = run_quadratic(lambda p: Adagrad(p, lr=0.1, eps=0.0), 3)
    assert thetas == approx([0.9, 0.833103526837755, 0.7804561813481035])


def test_defaults_match_torch():
    p = [Value(1.0)]
    adam = Adam(p)
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    rms = RMSprop(p)
    assert (rms.lr, rms.alpha, rms.eps, rms.momentum) == (1e-2, 0.99, 1e-8, 0.0)
    ada = Adagrad(p)
    assert (ada.lr, ada.eps) == (1e-2, 1e-10)
    sgd = SGD(p, lr=0.1)
    assert (sgd.momentum, sgd.dampening, sgd.nesterov, sgd.weight_decay) == (0.0, 0.0, False, 0.0)


# ---- the lecture's forms, for any hyper-parameters ---------------------------------------

unit = st.floats(0.0, 0.99)
small_lr = st.floats(1e-4, 0.5)
curvature = st.floats(0.1, 3.0)
start = st.floats(-5.0, 5.0).filter(lambda x: abs(x) > 1e-3)


@given(alpha=small_lr, beta=unit, a=curvature, theta0=start)
def test_sgd_momentum_is_heavy_ball(alpha, beta, a, theta0):
    """θ(k+1) = θ(k) − α g(k) + β (θ(k) − θ(k−1)), with a plain gradient first step."""
    thetas = [theta0, *run_quadratic(lambda p: SGD(p, lr=alpha, momentum=beta), 6, a, theta0)]
    assert thetas[1] == pytest.approx(theta0 - alpha * a * theta0, rel=1e-12, abs=1e-12)
    for k in range(1, 6):
        expected = thetas[k] - alpha * a * thetas[k] + beta * (thetas[k] - thetas[k - 1])
        assert thetas[k + 1] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(gamma=small_lr, beta=unit, a=curvature, theta0=start)
def test_sgd_dampening_equal_to_momentum_is_ema(gamma, beta, a, theta0):
    """Δθ(1) = γ g(1), Δθ(k) = β Δθ(k−1) + (1 − β) γ g(k), θ(k+1) = θ(k) − Δθ(k)."""
    thetas = [theta0, *run_quadratic(lambda p: SGD(p, lr=gamma, momentum=beta, dampening=beta), 6, a, theta0)]
    theta, delta = theta0, 0.0
    for k in range(6):
        g = a * theta
        delta = gamma * g if k == 0 else beta * delta + (1 - beta) * gamma * g
        theta -= delta
        assert thetas[k + 1] == pytest.approx(theta, rel=1e-9, abs=1e-9)


# ---- against torch.optim -----------------------------------------------------------------

START = [0.3, -0.8, 1.1]


def f_mine(a: Value, b: Value, c: Value) -> Value:
    """A non-quadratic, non-separable test function (Rosenbrock-like, plus sin and tanh)."""
    return (1 - a) ** 2 + 2 * (b - a * a) ** 2 + 0.5 * (3 * c).sin() + 0.1 * c**4 + 0.3 * (b * c).tanh()


def f_torch(torch, a, b, c):
    return (1 - a) ** 2 + 2 * (b - a * a) ** 2 + 0.5 * torch.sin(3 * c) + 0.1 * c**4 + 0.3 * torch.tanh(b * c)


def trajectory_mine(make_opt, steps=30, make_sched=None):
    params = [Value(x) for x in START]
    opt = make_opt(params)
    sched = make_sched(opt) if make_sched else None
    out = []
    for _ in range(steps):
        opt.zero_grad()
        f_mine(*params).backward()
        opt.step()
        if sched:
            sched.step()
        out.append([p.data for p in params])
    return out


def trajectory_torch(torch, make_opt, steps=30, make_sched=None):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make_opt(params)
    sched = make_sched(opt) if make_sched else None
    out = []
    for _ in range(steps):
        opt.zero_grad()
        f_torch(torch, *params).backward()
        opt.step()
        if sched:
            sched.step()
        out.append([p.item() for p in params])
    return out


# (name, our optimizer class, torch.optim class name, keyword arguments shared by both)
TORCH_CASES = [
    ("sgd", SGD, "SGD", {"lr": 0.02}),
    ("sgd-wd", SGD, "SGD", {"lr": 0.02, "weight_decay": 0.1}),
    ("sgd-momentum", SGD, "SGD", {"lr": 0.01, "momentum": 0.9}),
    ("sgd-dampening", SGD, "SGD", {"lr": 0.02, "momentum": 0.8, "dampening": 0.3}),
    ("sgd-ema", SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.9}),
    ("sgd-nesterov", SGD, "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("sgd-all", SGD, "SGD", {"lr": 0.01, "momentum": 0.7, "nesterov": True, "weight_decay": 0.05}),
    ("adam", Adam, "Adam", {"lr": 0.05}),
    ("adam-defaults", Adam, "Adam", {}),
    ("adam-wd", Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("adam-betas-eps", Adam, "Adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("adam-beta1-0", Adam, "Adam", {"lr": 0.05, "betas": (0.0, 0.99)}),
    ("adam-beta1-0.3", Adam, "Adam", {"lr": 0.05, "betas": (0.3, 0.99)}),
    ("adam-beta1-0.5", Adam, "Adam", {"lr": 0.05, "betas": (0.5, 0.99)}),
    ("adamw", AdamW, "AdamW", {"lr": 0.05}),
    ("adamw-beta1-0", AdamW, "AdamW", {"lr": 0.05, "betas": (0.0, 0.9), "weight_decay": 0.1}),
    ("adamw-wd", AdamW, "AdamW", {"lr": 0.05, "weight_decay": 0.3, "betas": (0.8, 0.99)}),
    ("rmsprop", RMSprop, "RMSprop", {}),
    ("rmsprop-momentum", RMSprop, "RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("rmsprop-alpha-eps", RMSprop, "RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-3}),
    ("adagrad", Adagrad, "Adagrad", {"lr": 0.1}),
    ("adagrad-defaults", Adagrad, "Adagrad", {}),
    ("adagrad-eps", Adagrad, "Adagrad", {"lr": 0.3, "eps": 1e-2}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,ours,theirs,kwargs", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_trajectory_matches_torch(name, ours, theirs, kwargs):
    torch = pytest.importorskip("torch")
    torch_cls = getattr(torch.optim, theirs)
    torch_kwargs = dict(kwargs)
    if theirs == "SGD":
        torch_kwargs.setdefault("lr", 1e-3)
    mine = trajectory_mine(lambda p: ours(p, **kwargs))
    ref = trajectory_torch(torch, lambda p: torch_cls(p, **torch_kwargs))
    for k, (row, ref_row) in enumerate(zip(mine, ref)):
        assert row == pytest.approx(ref_row, rel=1e-10, abs=1e-12), f"step {k + 1}"
    # the trajectory moved: the comparison is not of two frozen starts
    assert max(abs(x - x0) for x, x0 in zip(mine[-1], START)) > 1e-2


SCHED_CASES = [
    ("step", lambda o: StepLR(o, step_size=3, gamma=0.5), "StepLR", {"step_size": 3, "gamma": 0.5}),
    ("step-default-gamma", lambda o: StepLR(o, 4), "StepLR", {"step_size": 4}),
    ("exponential", lambda o: ExponentialLR(o, gamma=0.9), "ExponentialLR", {"gamma": 0.9}),
    ("cosine", lambda o: CosineAnnealingLR(o, T_max=10), "CosineAnnealingLR", {"T_max": 10}),
    (
        "cosine-eta-min",
        lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.01),
        "CosineAnnealingLR",
        {"T_max": 7, "eta_min": 0.01},
    ),
    ("cosine-T1", lambda o: CosineAnnealingLR(o, T_max=1), "CosineAnnealingLR", {"T_max": 1}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,ours,theirs,kwargs", SCHED_CASES, ids=[c[0] for c in SCHED_CASES])
def test_schedule_matches_torch(name, ours, theirs, kwargs):
    torch = pytest.importorskip("torch")
    opt = SGD([Value(1.0)], lr=0.1)
    sched = ours(opt)
    t_opt = torch.optim.SGD([torch.zeros((), dtype=torch.float64, requires_grad=True)], lr=0.1)
    t_sched = getattr(torch.optim.lr_scheduler, theirs)(t_opt, **kwargs)
    assert opt.lr == t_opt.param_groups[0]["lr"] == 0.1
    for epoch in range(1, 41):  # past T_max, where the cosine comes back up
        sched.step()
        t_opt.step()  # (no gradient: a no-op that keeps torch's call-order check quiet)
        t_sched.step()
        assert sched.last_epoch == t_sched.last_epoch == epoch
        assert opt.lr == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15), f"epoch {epoch}"
        assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12, abs=1e-15)


@pytest.mark.torch
def test_inverse_time_matches_torch_lambda_lr():
    torch = pytest.importorskip("torch")
    opt = SGD([Value(1.0)], lr=0.2)
    sched = InverseTimeLR(opt, decay=0.3)
    t_opt = torch.optim.SGD([torch.zeros((), dtype=torch.float64, requires_grad=True)], lr=0.2)
    t_sched = torch.optim.lr_scheduler.LambdaLR(t_opt, lambda k: 1 / (1 + 0.3 * k))
    for _ in range(30):
        sched.step()
        t_opt.step()
        t_sched.step()
        assert opt.lr == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-14)


SCHEDULED = [
    # (our optimizer, our schedule, torch optimizer, torch schedule); torch is the module
    (
        lambda p: SGD(p, lr=0.02, momentum=0.9),
        lambda o: StepLR(o, 5, 0.5),
        lambda torch, p: torch.optim.SGD(p, lr=0.02, momentum=0.9),
        lambda torch, o: torch.optim.lr_scheduler.StepLR(o, 5, 0.5),
    ),
    (
        lambda p: Adam(p, lr=0.1),
        lambda o: CosineAnnealingLR(o, 12),
        lambda torch, p: torch.optim.Adam(p, lr=0.1),
        lambda torch, o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 12),
    ),
]


@pytest.mark.torch
@pytest.mark.parametrize("opt,sched,t_opt,t_sched", SCHEDULED, ids=["sgd-steplr", "adam-cosine"])
def test_trajectory_with_schedule_matches_torch(opt, sched, t_opt, t_sched):
    torch = pytest.importorskip("torch")
    mine = trajectory_mine(opt, make_sched=sched)
    ref = trajectory_torch(torch, lambda p: t_opt(torch, p), make_sched=lambda o: t_sched(torch, o))
    for k, (row, ref_row) in enumerate(zip(mine, ref)):
        assert row == pytest.approx(ref_row, rel=1e-10, abs=1e-12), f"step {k + 1}"


@pytest.mark.torch
@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda p: Adam(p, eps=0.0), "Adam"),
        (lambda p: Adagrad(p, eps=0.0), "Adagrad"),
        (lambda p: RMSprop(p, eps=0.0), "RMSprop"),
    ],
    ids=["adam", "adagrad", "rmsprop"],
)
def test_zero_gradient_with_zero_eps_gives_nan_like_torch(ours, theirs):
    """0/0 is NaN in PyTorch; here too, instead of a ZeroDivisionError."""
    torch = pytest.importorskip("torch")
    p = Value(1.0)
    ours([p]).step()  # grad is 0.0
    t = torch.ones((), dtype=torch.float64, requires_grad=True)
    t.grad = torch.zeros((), dtype=torch.float64)
    getattr(torch.optim, theirs)([t], eps=0.0).step()
    assert math.isnan(p.data) and math.isnan(t.item())


# ---- schedules by hand -------------------------------------------------------------------


def lrs(make_sched, epochs: int, lr0: float = 1.0) -> list[float]:
    opt = SGD([Value(0.0)], lr=lr0)
    sched = make_sched(opt)
    out = [opt.lr]
    for _ in range(epochs):
        sched.step()
        out.append(opt.lr)
    return out


def test_step_lr_by_hand():
    assert lrs(lambda o: StepLR(o, step_size=2, gamma=0.5), 6) == approx([1, 1, 0.5, 0.5, 0.25, 0.25, 0.125])


def test_exponential_lr_by_hand():
    assert lrs(lambda o: ExponentialLR(o, gamma=0.5), 3) == approx([1, 0.5, 0.25, 0.125])


def test_cosine_lr_by_hand():
    # α(k) = ½ (1 + cos(πk/4)) for T_max = 4: 1, 0.8536, 0.5, 0.1464, 0, then back up
    c = math.sqrt(2) / 2
    expected = [1, (1 + c) / 2, 0.5, (1 - c) / 2, 0.0, (1 - c) / 2, 0.5]
    assert lrs(lambda o: CosineAnnealingLR(o, T_max=4), 6) == approx(expected, abs=1e-15)
    # with eta_min = 0.2 and α(0) = 1: 0.2 + 0.4 (1 + cos(πk/2)) for T_max = 2
    assert lrs(lambda o: CosineAnnealingLR(o, T_max=2, eta_min=0.2), 3) == approx([1, 0.6, 0.2, 0.6])


def test_inverse_time_lr_by_hand():
    # α(k) = 0.3 / (1 + 0.5 k)
    assert lrs(lambda o: InverseTimeLR(o, decay=0.5), 3, lr0=0.3) == approx([0.3, 0.2, 0.15, 0.12])
    assert lrs(lambda o: InverseTimeLR(o, decay=0), 2, lr0=0.3) == [0.3, 0.3, 0.3]


def test_scheduler_bookkeeping():
    opt = Adam([Value(1.0)], lr=0.4)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    assert (sched.last_epoch, sched.last_lr, sched.get_last_lr(), sched.base_lr) == (0, 0.4, [0.4], 0.4)
    assert opt.lr == 0.4  # constructing a schedule does not change the lr
    sched.step()
    sched.step()
    assert (sched.last_epoch, sched.last_lr, opt.lr) == (2, 0.1, 0.1)


def test_schedule_drives_the_step_size():
    # SGD on f = ½·2θ² with lr halving every step: θ ← (1 − 2 α(k)) θ
    theta = Value(1.0)
    opt = SGD([theta], lr=0.25)
    sched = ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        (theta * theta).backward()
        opt.step()
        sched.step()
    assert theta.data == pytest.approx(0.5 * 0.75 * 0.875, rel=1e-15)


# ---- bad input ---------------------------------------------------------------------------

P = [Value(1.0)]

BAD = [
    (lambda: SGD(P, lr=-0.1), "lr", "-0.1"),
    (lambda: SGD(P, lr=math.nan), "lr", "nan"),
    (lambda: SGD(P, lr=math.inf), "lr", "inf"),
    (lambda: SGD(P, lr=0.1, momentum=-0.5), "momentum", "-0.5"),
    (lambda: SGD(P, lr=0.1, momentum=1.0), "momentum", "1.0"),
    (lambda: SGD(P, lr=0.1, momentum=1.5), "momentum", "1.5"),
    (lambda: SGD(P, lr=0.1, momentum=0.9, dampening=1.2), "dampening", "1.2"),
    (lambda: SGD(P, lr=0.1, dampening=-0.1), "dampening", "-0.1"),
    (lambda: SGD(P, lr=0.1, nesterov=True), "momentum", "0"),
    (lambda: SGD(P, lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), "dampening", "0.5"),
    (lambda: SGD(P, lr=0.1, weight_decay=-1e-4), "weight_decay", "-0.0001"),
    (lambda: Adam(P, lr=-1.0), "lr", "-1.0"),
    (lambda: Adam(P, betas=(1.0, 0.999)), "betas[0]", "1.0"),
    (lambda: Adam(P, betas=(0.9, -0.1)), "betas[1]", "-0.1"),
    (lambda: Adam(P, betas=(0.9, 1.5)), "betas[1]", "1.5"),
    (lambda: Adam(P, betas=(0.9,)), "betas", "(0.9,)"),
    (lambda: Adam(P, eps=-1e-8), "eps", "-1e-08"),
    (lambda: Adam(P, weight_decay=-0.1), "weight_decay", "-0.1"),
    (lambda: AdamW(P, weight_decay=-0.01), "weight_decay", "-0.01"),
    (lambda: AdamW(P, betas=(-0.1, 0.9)), "betas[0]", "-0.1"),
    (lambda: AdamW(P, eps=-1.0), "eps", "-1.0"),
    (lambda: RMSprop(P, lr=-0.01), "lr", "-0.01"),
    (lambda: RMSprop(P, alpha=1.0), "alpha", "1.0"),
    (lambda: RMSprop(P, alpha=-0.5), "alpha", "-0.5"),
    (lambda: RMSprop(P, eps=-1.0), "eps", "-1.0"),
    (lambda: RMSprop(P, momentum=1.0), "momentum", "1.0"),
    (lambda: RMSprop(P, momentum=-0.2), "momentum", "-0.2"),
    (lambda: Adagrad(P, lr=-0.01), "lr", "-0.01"),
    (lambda: Adagrad(P, eps=-1e-10), "eps", "-1e-10"),
    (lambda: StepLR(SGD(P, lr=0.1), step_size=0), "step_size", "0"),
    (lambda: StepLR(SGD(P, lr=0.1), step_size=2.5), "step_size", "2.5"),
    (lambda: StepLR(SGD(P, lr=0.1), step_size=2, gamma=0.0), "gamma", "0.0"),
    (lambda: StepLR(SGD(P, lr=0.1), step_size=2, gamma=-0.5), "gamma", "-0.5"),
    (lambda: ExponentialLR(SGD(P, lr=0.1), gamma=-1.0), "gamma", "-1.0"),
    (lambda: ExponentialLR(SGD(P, lr=0.1), gamma=math.nan), "gamma", "nan"),
    (lambda: CosineAnnealingLR(SGD(P, lr=0.1), T_max=0), "T_max", "0"),
    (lambda: CosineAnnealingLR(SGD(P, lr=0.1), T_max=10, eta_min=-0.1), "eta_min", "-0.1"),
    (lambda: InverseTimeLR(SGD(P, lr=0.1), decay=-0.5), "decay", "-0.5"),
]


@pytest.mark.parametrize("make,name,value", BAD, ids=[f"{n}={v}" for _, n, v in BAD])
def test_bad_hyper_parameter_raises_value_error_naming_it(make, name, value):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert name in message and value in message, message


def test_lr_setter_validates_and_keeps_old_value():
    opt = SGD(P, lr=0.1)
    opt.lr = 0.05
    assert opt.lr == 0.05
    with pytest.raises(ValueError, match=r"lr must be >= 0, got -0\.5"):
        opt.lr = -0.5
    with pytest.raises(TypeError, match="str"):
        opt.lr = "0.1"
    assert opt.lr == 0.05
    opt.lr = 0  # a zero lr is allowed, as in torch
    assert opt.lr == 0.0


def test_no_parameters():
    with pytest.raises(ValueError, match="Optimizer got no parameters"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Optimizer got no parameters"):
        Adam(iter(()))


def test_duplicate_parameters():
    w = Value(1.0)
    with pytest.raises(ValueError, match="parameter 2 is the same Value as parameter 0"):
        Adam([w, Value(2.0), w])


@pytest.mark.parametrize("bad,type_name", [(1.0, "float"), ("w", "str"), (None, "NoneType")])
def test_non_value_parameter_is_a_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=f"parameter 1 is a {type_name}"):
        SGD([Value(1.0), bad], lr=0.1)


def test_params_must_be_an_iterable_of_values():
    with pytest.raises(TypeError, match="single Value"):
        SGD(Value(1.0), lr=0.1)
    with pytest.raises(TypeError, match="int"):
        SGD(3, lr=0.1)

    class Model:
        def parameters(self):
            return [Value(1.0)]

    with pytest.raises(TypeError, match=r"model\.parameters\(\)"):
        SGD(Model(), lr=0.1)
    # a generator is fine
    assert len(SGD((Value(float(i)) for i in range(3)), lr=0.1).params) == 3


def test_non_leaf_parameter():
    x = Value(1.0)
    with pytest.raises(ValueError, match="not a leaf"):
        SGD([x * 2], lr=0.1)


def test_scheduler_needs_our_optimizer():
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR(object(), step_size=1)


def test_bad_type_for_hyper_parameter():
    with pytest.raises(TypeError, match="momentum must be a real number, got str"):
        SGD(P, lr=0.1, momentum="0.9")
    with pytest.raises(TypeError, match="step_size must be an int"):
        StepLR(SGD(P, lr=0.1), step_size="2")


# ---- anomaly: a bad gradient changes nothing -----------------------------------------------

ALL_OPTIMIZERS = [
    lambda p: SGD(p, lr=0.1),
    lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: Adam(p, lr=0.1, weight_decay=0.1),
    lambda p: AdamW(p, lr=0.1),
    lambda p: RMSprop(p, momentum=0.5),
    lambda p: Adagrad(p),
]
OPT_IDS = ["sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw", "rmsprop", "adagrad"]


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=OPT_IDS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_anomaly_bad_gradient_raises_before_any_change(make, bad):
    params = [Value(0.5, label="w0"), Value(-1.0, label="w1"), Value(2.0, label="b")]
    opt = make(params)
    for g in ([0.3, -0.2, 0.1], [0.1, 0.4, -0.3]):  # two good steps: non-trivial state
        for p, gi in zip(params, g):
            p.grad = gi
        opt.step()
    params[0].grad, params[1].grad, params[2].grad = 0.2, bad, 0.1
    before = snapshot(opt, params)
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        opt.step()
    message = str(info.value)
    assert "parameter 1" in message and "'w1'" in message and str(bad) in message, message
    # compared by repr: exact for floats (shortest round-trip form), and nan == nan there
    assert repr(snapshot(opt, params)) == repr(before)


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=OPT_IDS)
def test_nan_gradient_propagates_silently_outside_anomaly_mode(make):
    params = [Value(0.5), Value(1.0)]
    opt = make(params)
    params[0].grad = math.nan
    opt.step()
    assert math.isnan(params[0].data)
    assert math.isfinite(params[1].data)


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=OPT_IDS)
def test_good_step_under_anomaly_mode_is_the_normal_step(make):
    checked, plain = [Value(0.5), Value(-1.0)], [Value(0.5), Value(-1.0)]
    opt_checked, opt_plain = make(checked), make(plain)
    for _ in range(3):
        for c, p, g in zip(checked, plain, (0.3, -0.7)):
            c.grad = p.grad = g
        with detect_anomaly():
            opt_checked.step()
        opt_plain.step()
    assert [p.data for p in checked] == [p.data for p in plain]
    assert [p.data for p in checked] != [0.5, -1.0]


def test_anomaly_update_overflowing_to_inf_raises_before_any_change():
    params = [Value(1.0), Value(1e308, label="big")]
    opt = SGD(params, lr=10.0)
    params[0].grad, params[1].grad = 1.0, -1e308
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"'big'.*would become inf"):
        opt.step()
    assert [p.data for p in params] == [1.0, 1e308]


def test_anomaly_mode_off_again_after_the_block():
    p = Value(1.0)
    opt = SGD([p], lr=0.1)
    with detect_anomaly():
        pass
    p.grad = math.nan
    opt.step()  # no error outside the block
    assert math.isnan(p.data)


# ---- what an optimizer touches ---------------------------------------------------------------


def test_zero_grad_zeros_exactly_its_params():
    mine, other = [Value(1.0), Value(2.0)], Value(3.0)
    opt = Adam(mine)
    (mine[0] * mine[1] * other).backward()
    assert [p.grad for p in mine] == [6.0, 3.0] and other.grad == 2.0
    opt.zero_grad()
    assert [p.grad for p in mine] == [0.0, 0.0]
    assert all(type(p.grad) is float for p in mine)
    assert other.grad == 2.0


@pytest.mark.parametrize("make", ALL_OPTIMIZERS, ids=OPT_IDS)
def test_step_writes_data_only_and_builds_no_graph(make):
    params = [Value(0.5, label="w"), Value(-1.0)]
    opt = make(params)
    ids = [id(p) for p in params]
    for p in params:
        p.grad = 0.25
    with no_grad():
        opt.step()
    opt.step()
    assert [id(p) for p in opt.params] == ids
    assert all(p.parents == () and p.op == "" and type(p.data) is float for p in params)
    assert [p.grad for p in params] == [0.25, 0.25]  # step never changes .grad
    assert params[0].label == "w"


def test_repr_shows_hyper_parameters():
    text = repr(SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD(2 parameters, lr=0.1, momentum=0.9")
    assert "betas=(0.9, 0.999)" in repr(Adam([Value(1.0)]))


# ---- issue 10: PyTorch habits, nonsense hyper-parameters, failed steps ---------------------


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_beta1_zero_first_moment_is_exactly_the_gradient(cls):
    # torch's lerp(m, g, 1) is g exactly; m + 1·(g − m) is not (here: 0.30000000000000004).
    p = Value(1.0)
    opt = cls([p], lr=0.1, betas=(0.0, 0.999))
    for g in (0.1, 0.2, 0.3, 1e-17):
        p.grad = g
        opt.step()
        assert opt.exp_avg == [g]


@pytest.mark.torch
@pytest.mark.parametrize("beta1", [0.0, 0.2, 0.5, 0.9])
def test_adam_first_moment_matches_torch(beta1):
    # bit-exact on torch's "large weight" branch (w = 1 - β1 >= 0.5); for w < 0.5 torch's
    # kernel may fuse the multiply-add, so there the last bit can differ.
    torch = pytest.importorskip("torch")
    grads = [0.1, -0.7, 0.3, 2.5, -1e-3]
    p = Value(0.5)
    t = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    opt = Adam([p], lr=0.01, betas=(beta1, 0.99))
    t_opt = torch.optim.Adam([t], lr=0.01, betas=(beta1, 0.99), foreach=False)
    for g in grads:
        p.grad = g
        t.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        t_opt.step()
        expected = t_opt.state[t]["exp_avg"].item()
        if beta1 <= 0.5:
            assert opt.exp_avg[0] == expected
        else:
            assert opt.exp_avg[0] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD(p, lr=0.1),
        lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        lambda p: Adam(p, lr=0.1),
        lambda p: AdamW(p, lr=0.1),
        lambda p: RMSprop(p, lr=0.1, momentum=0.5),
        lambda p: Adagrad(p, lr=0.1),
    ],
)
def test_none_grad_counts_as_zero(make):
    with_none = [Value(1.0), Value(2.0)]
    with_zero = [Value(1.0), Value(2.0)]
    opt_none, opt_zero = make(with_none), make(with_zero)
    for _ in range(3):
        with_none[0].grad, with_none[1].grad = 0.5, None
        with_zero[0].grad, with_zero[1].grad = 0.5, 0.0
        opt_none.step()
        opt_zero.step()
    assert [p.data for p in with_none] == [p.data for p in with_zero]


def state_of(opt, params):
    state = {k: copy.deepcopy(v) for k, v in vars(opt).items() if k != "params"}
    return [p.data for p in params], [p.grad for p in params], state


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_failed_step_leaves_parameters_and_state_unchanged(make):
    params = [Value(1.0), Value(2.0), Value(3.0)]
    opt = make(params)
    for p in params:
        p.grad = 0.25
    opt.step()
    before = state_of(opt, params)
    params[0].grad, params[2].grad = 0.5, "0.1"  # a bad gradient after a good one
    with pytest.raises(TypeError, match=r"parameter 2 has gradient str '0\.1'"):
        opt.step()
    params[0].grad, params[2].grad = 0.25, 0.25
    assert state_of(opt, params) == before


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_optimizer_zero_grad_accepts_set_to_none(cls):
    p = Value(1.0)
    opt = cls([p], lr=0.1)
    for flag in (False, True):
        p.grad = 3.0
        opt.zero_grad(set_to_none=flag)
        assert p.grad == 0.0
    with pytest.raises(TypeError, match="set_to_none"):
        opt.zero_grad(set_to_none=None)


NONSENSE = [
    (lambda p: SGD(p, lr=math.nan), ValueError, "lr must be a finite number, got nan"),
    (lambda p: SGD(p, lr=math.inf), ValueError, "lr must be a finite number, got inf"),
    (lambda p: SGD(p, lr=10**400), ValueError, "lr must be a finite number"),
    (lambda p: SGD(p, lr=True), TypeError, "lr must be a real number, got bool True"),
    (
        lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=2),
        TypeError,
        "nesterov must be True or False, got int 2",
    ),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov="yes"), TypeError, "nesterov must be True or False"),
    (lambda p: SGD(p, lr=0.1, momentum=math.nan), ValueError, "momentum must be a finite number, got nan"),
    (lambda p: SGD(p, lr=0.1, momentum=True), TypeError, "momentum must be a real number, got bool"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-math.inf), ValueError, "weight_decay must be a finite"),
    (lambda p: Adam(p, eps=True), TypeError, "eps must be a real number, got bool True"),
    (lambda p: Adam(p, eps=math.nan), ValueError, "eps must be a finite number, got nan"),
    (lambda p: Adam(p, betas=(True, 0.9)), TypeError, r"betas\[0\] must be a real number, got bool"),
    (lambda p: Adam(p, betas=(0.9, math.inf)), ValueError, r"betas\[1\] must be a finite number, got inf"),
    (lambda p: Adam(p, betas=0.9), ValueError, "betas must be a pair"),
    (lambda p: AdamW(p, weight_decay=math.nan), ValueError, "weight_decay must be a finite number, got nan"),
    (lambda p: RMSprop(p, alpha=math.inf), ValueError, "alpha must be a finite number, got inf"),
    (lambda p: RMSprop(p, momentum=False), TypeError, "momentum must be a real number, got bool"),
    (lambda p: Adagrad(p, eps="1e-10"), TypeError, "eps must be a real number, got str"),
    (lambda p: StepLR(SGD(p, lr=0.1), step_size=True), TypeError, "step_size must be an int, got bool"),
    (
        lambda p: StepLR(SGD(p, lr=0.1), 2, gamma=math.nan),
        ValueError,
        "gamma must be a finite number, got nan",
    ),
    (lambda p: ExponentialLR(SGD(p, lr=0.1), gamma=True), TypeError, "gamma must be a real number, got bool"),
    (
        lambda p: CosineAnnealingLR(SGD(p, lr=0.1), 5, eta_min=math.inf),
        ValueError,
        "eta_min must be a finite",
    ),
    (lambda p: InverseTimeLR(SGD(p, lr=0.1), decay=math.nan), ValueError, "decay must be a finite number"),
]


@pytest.mark.parametrize(("make", "error", "message"), NONSENSE)
def test_nonsense_hyper_parameters_are_refused_naming_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])


def test_lr_setter_refuses_nonsense():
    opt = Adam([Value(1.0)])
    for bad, error in ((math.nan, ValueError), (math.inf, ValueError), (True, TypeError), ("0.1", TypeError)):
        with pytest.raises(error, match="lr must be"):
            opt.lr = bad
    assert opt.lr == 1e-3


def test_lr_scheduler_alias_module():
    import micrograd_plus.optim.lr_scheduler as lr_scheduler
    from micrograd_plus.optim.lr_scheduler import CosineAnnealingLR as Cos
    from micrograd_plus.optim.lr_scheduler import StepLR as Step

    from micrograd_plus import optim

    assert lr_scheduler is optim.lr_scheduler
    assert Step is StepLR and Cos is CosineAnnealingLR
    assert set(lr_scheduler.__all__) <= set(dir(lr_scheduler))
    sched = optim.lr_scheduler.ExponentialLR(SGD([Value(1.0)], lr=1.0), gamma=0.5)
    sched.step()
    assert sched.get_last_lr() == [0.5]


def test_lr_scheduler_alias_imports_in_a_fresh_interpreter():
    import subprocess
    import sys

    code = "from micrograd_plus.optim.lr_scheduler import StepLR; print(StepLR.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "StepLR"
