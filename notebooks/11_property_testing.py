# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 11. Property-testing gradients
#
# Notebook 09 checked gradients at one point with `gradcheck`. A wrong derivative can be right
# at that point and wrong elsewhere: only for negative inputs, only when a node is used twice,
# only past some size. **Property-based testing** states a property that must hold for *every*
# input ("backprop agrees with finite differences") and lets a library,
# [hypothesis](https://hypothesis.readthedocs.io), search for an input that breaks it. When it
# finds one, it *shrinks* it to a simplest failing case before reporting.
#
# `micrograd_plus.testing` holds the tools the project's own tests use:
#
# * `assert_grad_close(f, xs)`: `gradcheck`'s comparison as an `assert`, with the mismatch report;
# * strategies (hypothesis's recipes for random inputs): `finite_floats`, `values_in`,
#   `inputs_for(spec)` (numbers inside an op's domain, away from its kinks),
#   `expression_graphs()` (random graphs with shared sub-expressions) and `small_mlps()`.
#
# This notebook uses them on a function of our own, on an op of our own registered in
# `micrograd_plus.ops`, and on models. Every test runs with a small `max_examples` so the
# notebook stays fast, `derandomize=True` so it draws the same examples at every run, and
# `database=None` so it keeps no database of failing examples (hypothesis may still leave a
# small cache in a `.hypothesis/` folder, which carries its own `.gitignore`).

# %%
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_plus import Value, grad, gradcheck, nn, ops
from micrograd_plus.ops import OpSpec
from micrograd_plus.testing import (
    assert_grad_close,
    expression_graphs,
    finite_floats,
    inputs_for,
    small_mlps,
)


def quick(n):
    """hypothesis settings for a notebook: n examples, reproducible, no files written."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None)


# %% [markdown]
# ## One point, then every point
#
# `assert_grad_close(f, xs)` takes the same `f` (a function of `len(xs)` `Value`s) and `xs` as
# `gradcheck`, and raises an `AssertionError` carrying the report instead of returning `True`.
# Take a smooth hinge loss with an L2 penalty, $\ell(w, x) = \mathrm{softplus}(1 - w x) + 0.1\,w^2$:


# %%
def smooth_hinge(w, x):
    return (1 - w * x).softplus() + 0.1 * w * w


assert_grad_close(smooth_hinge, [0.5, -2.0])
print("one point: backprop and finite differences agree")

# %% [markdown]
# Now as a property. `@given(...)` turns a function into a test that hypothesis calls with
# many drawn arguments; `finite_floats(lo, hi)` draws floats in $[lo, hi]$ (never NaN or
# $\pm\infty$). Calling the decorated function runs the search; it returns quietly when no
# counterexample is found. We also record the points it tried.

# %%
tried = []


@quick(50)
@given(finite_floats(-3, 3), finite_floats(-3, 3))
def test_smooth_hinge_gradient(w, x):
    tried.append((w, x))
    assert_grad_close(smooth_hinge, [w, x])


test_smooth_hinge_gradient()
print(f"passed on {len(tried)} drawn points, e.g. {tried[:2]} and {tried[-1]}")

# %% [markdown]
# Hypothesis deliberately tries edge values (0, the interval's ends, tiny numbers) as well as
# random ones: those are where hand-written derivatives tend to break.
#
# ## An op of your own
#
# `micrograd_plus.ops` is the table of primitives. A new primitive is an `OpSpec`: a name, the
# number of operands, the forward function on floats, and `local_grads(x, out)`, the derivative
# of the output with respect to each operand. Written with the helpers of `ops` (`ops.tanh`,
# `ops.exp`, ...), which work on floats and on `Value`s alike, the same rule also serves
# `grad(..., create_graph=True)`, so the op can be differentiated twice.
#
# Our op: $\operatorname{logcosh}(x) = \log\cosh x$, a smooth version of $|x|$ used as a robust
# loss, with $\frac{d}{dx}\log\cosh x = \tanh x$. The forward pass is written so that it never
# overflows: $\log\cosh x = |x| + \log(1 + e^{-2|x|}) - \log 2$. `ops.register` adds it to the table
# `ops.OPS`, so it shows in graph pictures and in `testing.all_op_specs()`, which the project's own
# property tests sweep. A name can be registered only once, so the cell reuses the op when it is
# run again (restart the kernel after editing the definition).


# %%
def _logcosh(x):
    a = abs(x)
    return a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)


if "logcosh" in ops.OPS:
    logcosh = ops.OPS["logcosh"]
else:
    logcosh = ops.register(
        OpSpec(
            name="logcosh",
            arity=1,
            forward=_logcosh,
            local_grads=lambda x, out: (ops.tanh(x),),
            formula="y = log cosh x;  dy/dx = tanh x",
        )
    )

t = Value(0.7, label="t")
u = logcosh(t)
u.backward()
print(u, f"  du/dt = {t.grad:.6f}   tanh(0.7) = {math.tanh(0.7):.6f}")
print("a built-in op now?", "logcosh" in ops.OPS)

# %% [markdown]
# The property test draws inputs with `inputs_for(spec)`: one float per operand, inside the
# op's `domain` (by default $[-5, 5]$). The second test checks the **second** derivative too:
# `grad(..., create_graph=True)` returns $\tanh x$ as a graph, which is itself differentiated
# and compared with finite differences of the first derivative.


# %%
@quick(40)
@given(inputs_for(logcosh))
def test_logcosh_gradient(xs):
    assert_grad_close(lambda v: logcosh(v), list(xs))


@quick(25)
@given(inputs_for(logcosh))
def test_logcosh_second_derivative(xs):
    def first_derivative(v):
        return grad(logcosh(v), [v], create_graph=True)[0]

    assert_grad_close(first_derivative, list(xs))


test_logcosh_gradient()
test_logcosh_second_derivative()
print("logcosh: first and second derivatives agree with finite differences")

# %% [markdown]
# ## A bug that one point does not show
#
# Suppose the derivative had been written $\tanh|x|$: a slip that is right for every $x \ge 0$.
# `gradcheck` at a positive point passes; the property test finds a negative input, shrinks it
# to a simple one, and reports it (the failing example is in the exception's notes).

# %%
bad_logcosh = OpSpec(
    name="bad_logcosh",  # not registered: an OpSpec can be applied without it
    arity=1,
    forward=_logcosh,
    local_grads=lambda x, out: (ops.tanh(abs(x)),),  # WRONG for x < 0
)
print("gradcheck at x = 0.8:", gradcheck(lambda v: bad_logcosh(v), [0.8]))


@quick(50)
@given(inputs_for(bad_logcosh))
def test_bad_logcosh_gradient(xs):
    assert_grad_close(lambda v: bad_logcosh(v), list(xs))


try:
    test_bad_logcosh_gradient()
except AssertionError as err:
    print(getattr(err, "__notes__", ["(no notes)"])[0])
    print(err)

# %% [markdown]
# **Exercise.** A property need not be about gradients. $\log\cosh$ is an even function, so its
# derivative is odd: $f(-x) = f(x)$ and $f'(-x) = -f'(x)$. Complete the test below (it uses the
# registered `logcosh`; `x` is drawn by hypothesis) and run it: it must pass.


# %%
@quick(40)
@given(finite_floats(-20, 20))
def test_logcosh_symmetry(x):
    a, b = Value(x), Value(-x)
    fa, fb = logcosh(a), logcosh(b)
    fa.backward()
    fb.backward()
    assert math.isclose(fa.data, fb.data, rel_tol=1e-12, abs_tol=1e-15)  # your property 1: f(−x) = f(x)
    assert math.isclose(a.grad, -b.grad, rel_tol=1e-12, abs_tol=1e-15)  # your property 2: f′(−x) = −f′(x)


test_logcosh_symmetry()
print("logcosh is even and its derivative odd, on every drawn x")

# %% [markdown]
# ## Random expression graphs
#
# Bugs in an engine hide where nodes are **shared**: a node used twice must receive the sum
# of both paths' gradients. `expression_graphs()` draws whole programs, a few leaves and 10 to
# 40 steps mixing arithmetic, elementary functions, activations and the fused `dot`/`sum` ops,
# with operands that often reuse older nodes. Each op is applied only where it is smooth near
# the drawn point, so finite differences apply. A drawn case is `(f, xs)`; its `repr` is the
# program, which is what hypothesis prints when a case fails. (Hypothesis starts from the
# simplest programs, a chain of `tanh`, and then explores.)

# %%
shown = []


@quick(15)
@given(expression_graphs(max_ops=20))
def test_backprop_on_random_graphs(case):
    f, xs = case
    shown.append(case)
    assert_grad_close(f, xs)


test_backprop_on_random_graphs()
print(f"{len(shown)} random graphs checked; the one with the most distinct ops:")
f_example, xs_example = max(shown, key=lambda case: len({kind for kind, _ in case[0].steps}))
names = [f"x{i}" if i < f_example.n_leaves else f"v{i - f_example.n_leaves}" for i in f_example.shared()]
print(f"{f_example.n_ops} ops; used more than once: {', '.join(names)}; at xs = {xs_example}")
print(f_example)

# %% [markdown]
# ## Models
#
# `small_mlps()` draws a small seeded `nn.MLP` (random widths, depth, activation and output
# activation) together with an input for it. Checking the gradient of the output with respect
# to the input tests every layer's backward pass. ReLU-like activations have a kink at 0, where
# finite differences straddle two slopes; we restrict the draw to smooth activations.
#
# Our own op can go into a model too: here a network's output goes through `logcosh`, as a loss
# $\log\cosh(F(\mathbf{x}) - y)$ would.

# %%
SMOOTH = ("tanh", "sigmoid", "gelu", "silu", "softplus")


@quick(15)
@given(small_mlps(activations=SMOOTH))
def test_mlp_input_gradient(case):
    model, x = case
    assert_grad_close(lambda *v: model(list(v)), x)


@quick(15)
@given(small_mlps(activations=SMOOTH), finite_floats(-2, 2))
def test_logcosh_loss_of_a_model(case, target):
    model, x = case
    assert_grad_close(lambda *v: logcosh(model(list(v)) - target), x)


test_mlp_input_gradient()
test_logcosh_loss_of_a_model()
print("MLP input gradients, and a logcosh loss on top, agree with finite differences")

# %% [markdown]
# The same strategies compose with hypothesis's own: for a fixed architecture and drawn
# **weights**, `st.integers` can choose the seed of `nn.MLP(..., rng=seed)`, and the test checks
# the parameter gradients by nudging each weight, as in notebook 09.


# %%
@quick(10)
@given(st.integers(0, 2**32 - 1), st.lists(finite_floats(-2, 2), min_size=2, max_size=2))
def test_parameter_gradients(seed, x):
    model = nn.MLP(2, [3, 1], activation="tanh", rng=seed)

    def loss():
        return logcosh(model(x) - 0.5)

    model.zero_grad()
    loss().backward()
    for p in model.parameters():
        saved = p.data
        p.data = saved + 1e-6
        up = loss().data
        p.data = saved - 1e-6
        down = loss().data
        p.data = saved
        numeric = (up - down) / 2e-6
        assert abs(p.grad - numeric) <= 1e-5 + 1e-3 * abs(numeric), (p.label, p.grad, numeric)


test_parameter_gradients()
print("parameter gradients agree for every drawn seed and input")

# %% [markdown]
# In a project these functions live in a `tests/` file and pytest runs them (drop the calls
# and the `quick` settings; a hypothesis profile sets `max_examples` for the whole suite).
#
# **Take-aways**
#
# * A property test states what must hold for all inputs; hypothesis searches for a
#   counterexample and shrinks it.
# * `assert_grad_close` is `gradcheck` as an assertion; `inputs_for`, `expression_graphs` and
#   `small_mlps` draw the inputs that matter for backprop: an op's domain, shared nodes, whole
#   networks.
# * An op registered with `ops.register` is tested exactly like a built-in one, first and second
#   derivatives included.
