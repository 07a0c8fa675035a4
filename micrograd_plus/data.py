r"""Toy datasets: small, seeded, pure Python, no download.

Each maker returns ``(X, y)`` as plain lists: ``X`` is a list of rows (each a list of
floats) and ``y`` a list of ``int`` class labels ``0..k-1`` (floats for ``make_sine``).
Every maker takes the keywords ``n_samples``, ``noise`` and ``seed``:

- ``noise`` is the standard deviation of Gaussian noise added to each coordinate
  (to the target for ``make_sine``); ``noise=0`` gives the exact geometry.
- ``seed`` is an ``int`` (the same seed gives the same data), a ``random.Random``
  (drawn from, so successive calls differ), or ``None`` (fresh randomness). The
  global ``random`` state is never read or changed.
- Classes are balanced as in scikit-learn: two classes get ``n // 2`` and
  ``n - n // 2`` samples; ``k`` classes get ``n // k`` each, and the first ``n % k``
  classes one more.
- Rows come in random order (``shuffle=True``), so a minibatch sees every class. The
  order is drawn before the noise, so for one seed ``noise=0`` and ``noise=0.1`` give
  the same points in the same order, the second ones displaced.

>>> X, y = make_moons(n_samples=6, noise=0.0, seed=0)
>>> len(X), len(X[0]), sorted(y)
(6, 2, [0, 0, 0, 1, 1, 1])
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence
from typing import Any

__all__ = ["load_digits", "make_blobs", "make_circles", "make_moons", "make_sine", "make_spirals"]

Dataset = tuple[list[list[float]], list[int]]


# --------------------------------------------------------------------------------------
# Argument checks and shared steps
# --------------------------------------------------------------------------------------


def _check_count(maker: str, name: str, n: Any, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{maker}: {name} must be an int, got {type(n).__name__} {n!r}.")
    if n < minimum:
        raise ValueError(f"{maker}: {name} must be >= {minimum}, got {n}.")
    return int(n)


def _check_noise(maker: str, noise: Any) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"{maker}: noise must be a number, got {type(noise).__name__} {noise!r}.")
    noise = float(noise)
    if not (noise >= 0.0 and math.isfinite(noise)):  # also catches NaN
        raise ValueError(f"{maker}: noise is a standard deviation and must be >= 0 and finite, got {noise}.")
    return noise


def _make_rng(maker: str, seed: Any) -> random.Random:
    """A private random source: never the global ``random`` state."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{maker}: seed must be an int, a random.Random or None, got {type(seed).__name__} {seed!r}."
        )
    return random.Random(int(seed))


def _split(n: int, k: int) -> list[int]:
    """Sizes of k balanced classes summing to n: n // k each, the first n % k get one more."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _linspace(start: float, stop: float, num: int, endpoint: bool = True) -> list[float]:
    """``num`` evenly spaced numbers from ``start`` to ``stop`` (as numpy.linspace)."""
    if num < 2:
        return [float(start)] * num
    step = (stop - start) / ((num - 1) if endpoint else num)
    return [start + i * step for i in range(num)]


def _finish(
    X: list[list[float]], y: list[Any], noise: float, rng: random.Random, shuffle: bool
) -> tuple[list[list[float]], list[Any]]:
    """Shuffle the rows (first), then add N(0, noise^2) to every coordinate."""
    if shuffle:
        order = list(range(len(X)))
        rng.shuffle(order)
        X = [X[i] for i in order]
        y = [y[i] for i in order]
    if noise > 0.0:
        gauss = rng.gauss
        X = [[v + gauss(0.0, noise) for v in row] for row in X]
    return X, y


# --------------------------------------------------------------------------------------
# The makers
# --------------------------------------------------------------------------------------


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: Any = 0, *, shuffle: bool = True) -> Dataset:
    r"""Two interleaving half circles ("two moons"), labels 0 and 1.

    Before noise, with t evenly spaced over [0, π] (ends included):

        class 0 (upper moon):  (cos t,      sin t)          n // 2 points
        class 1 (lower moon):  (1 - cos t,  1 - sin t - ½)  n - n // 2 points

    so class 0 lies on the unit circle centred at (0, 0) and class 1 on the unit circle
    centred at (1, ½), each on one half. The same geometry as scikit-learn's
    ``make_moons``. Not linearly separable: a good first test for an MLP.
    """
    n = _check_count("make_moons", "n_samples", n_samples)
    noise = _check_noise("make_moons", noise)
    rng = _make_rng("make_moons", seed)
    n_upper, n_lower = n // 2, n - n // 2
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_upper)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_lower)]
    y = [0] * n_upper + [1] * n_lower
    return _finish(X, y, noise, rng, shuffle)


def make_circles(
    n_samples: int = 100, noise: float = 0.1, seed: Any = 0, *, factor: float = 0.5, shuffle: bool = True
) -> Dataset:
    r"""Two concentric circles: class 0 outside (radius 1), class 1 inside (radius ``factor``).

    Before noise, with t evenly spaced over [0, 2π) (2π excluded):

        class 0:  (cos t, sin t)                    n // 2 points
        class 1:  factor · (cos t, sin t)           n - n // 2 points

    Needs a non-linear boundary (a ring). ``factor`` must lie in [0, 1); the default
    0.5 keeps the rings apart at the default noise (scikit-learn's default is 0.8).
    """
    n = _check_count("make_circles", "n_samples", n_samples)
    noise = _check_noise("make_circles", noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
        raise TypeError(f"make_circles: factor must be a number, got {type(factor).__name__} {factor!r}.")
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"make_circles: factor is the inner radius and must be in [0, 1), got {factor}.")
    r_in = float(factor)
    rng = _make_rng("make_circles", seed)
    n_outer, n_inner = n // 2, n - n // 2
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, 2 * math.pi, n_outer, endpoint=False)]
    X += [
        [r_in * math.cos(t), r_in * math.sin(t)] for t in _linspace(0.0, 2 * math.pi, n_inner, endpoint=False)
    ]
    y = [0] * n_outer + [1] * n_inner
    return _finish(X, y, noise, rng, shuffle)


def make_spirals(
    n_samples: int = 100, noise: float = 0.1, seed: Any = 0, n_classes: int = 3, *, shuffle: bool = True
) -> Dataset:
    r"""``n_classes`` interleaved spiral arms, ``n_samples`` points in total.

    Before noise, arm c (label c) has m_c points with radius r evenly spaced over
    [0, 1] and angle

        φ = 2π c / K + 4 r      (K = n_classes; each arm turns 4 radians outwards)

    at the point r · (cos φ, sin φ). The arms start together at the origin and
    separate as r grows, the classic "spiral" problem that a linear model cannot
    solve and a small MLP can.
    """
    n = _check_count("make_spirals", "n_samples", n_samples)
    noise = _check_noise("make_spirals", noise)
    k = _check_count("make_spirals", "n_classes", n_classes)
    rng = _make_rng("make_spirals", seed)
    X: list[list[float]] = []
    y: list[int] = []
    for c, m in enumerate(_split(n, k)):
        offset = 2 * math.pi * c / k
        for r in _linspace(0.0, 1.0, m):
            phi = offset + 4.0 * r
            X.append([r * math.cos(phi), r * math.sin(phi)])
        y += [c] * m
    return _finish(X, y, noise, rng, shuffle)


def make_blobs(
    n_samples: int = 100,
    noise: float = 0.1,
    seed: Any = 0,
    centers: int | Sequence[Sequence[float]] = 3,
    *,
    shuffle: bool = True,
) -> Dataset:
    r"""Gaussian blobs: class c is N(center_c, noise² I), classes balanced.

    ``centers`` is either the number of classes K, with the centres evenly spaced on
    the unit circle,

        center_c = (cos 2πc/K, sin 2πc/K),

    or an explicit list of centres (all of the same dimension, which is then the
    dimension of the rows). With ``noise=0`` every point sits exactly on its centre.
    """
    n = _check_count("make_blobs", "n_samples", n_samples)
    noise = _check_noise("make_blobs", noise)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _check_count("make_blobs", "centers", centers)
        points = [[math.cos(2 * math.pi * c / k), math.sin(2 * math.pi * c / k)] for c in range(k)]
    else:
        points = _check_centers(centers)
    rng = _make_rng("make_blobs", seed)
    X: list[list[float]] = []
    y: list[int] = []
    for c, m in enumerate(_split(n, len(points))):
        X += [list(points[c]) for _ in range(m)]
        y += [c] * m
    return _finish(X, y, noise, rng, shuffle)


def _check_centers(centers: Any) -> list[list[float]]:
    bad = TypeError(
        "make_blobs: centers must be an int (how many) or a list of points such as "
        f"[[0, 0], [1, 1]], got {type(centers).__name__} {centers!r:.60}."
    )
    if isinstance(centers, (str, bytes, bool)) or not hasattr(centers, "__iter__"):
        raise bad
    centers = list(centers)  # also a NumPy array of shape (k, d)
    if not centers:
        raise ValueError("make_blobs: centers is an empty list; give at least one point.")
    points = []
    for i, point in enumerate(centers):
        if isinstance(point, (str, bytes)) or not hasattr(point, "__iter__"):
            raise bad
        point = list(point)
        if not point:
            raise ValueError(f"make_blobs: centers[{i}] is empty; give its coordinates.")
        for v in point:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"make_blobs: centers[{i}] must hold finite numbers, got {point!r}.")
        points.append([float(v) for v in point])
    dims = {len(p) for p in points}
    if len(dims) > 1:
        raise ValueError(f"make_blobs: all centers must have one dimension, got dimensions {sorted(dims)}.")
    return points


def make_sine(
    n_samples: int = 100, noise: float = 0.1, seed: Any = 0
) -> tuple[list[list[float]], list[float]]:
    r"""Regression: y = sin x + ε, with x ~ U(-π, π) and ε ~ N(0, noise²).

    ``X`` holds rows of one float ``[x]``; ``y`` holds floats. With ``noise=0`` every
    target is exactly ``math.sin(x)``. One smooth bump up and one down: a small MLP
    with a smooth activation (tanh, gelu, silu) fits it in a few hundred steps.
    """
    n = _check_count("make_sine", "n_samples", n_samples)
    noise = _check_noise("make_sine", noise)
    rng = _make_rng("make_sine", seed)
    xs = [rng.uniform(-math.pi, math.pi) for _ in range(n)]
    if noise > 0.0:
        y = [math.sin(x) + rng.gauss(0.0, noise) for x in xs]
    else:
        y = [math.sin(x) for x in xs]
    return [[x] for x in xs], y


def load_digits(seed: Any = 0, *, shuffle: bool = True) -> Dataset:
    r"""Real data: scikit-learn's 1,797 handwritten digits, 8×8 pixels (no download).

    ``X`` holds rows of 64 floats, the pixel intensities scaled from 0..16 to [0, 1];
    ``y`` the digit 0..9. Rows come in a random order drawn from ``seed`` (``shuffle=False``
    keeps scikit-learn's), so ``X[:n]`` / ``X[n:]`` is a random held-out split. Needs
    scikit-learn (``pip install 'micrograd-plus[digits]'``). An ``MLP(64, [32, 10])``
    trained with cross-entropy reaches about 97 % held-out accuracy
    (``fit(..., compile=True)`` trains it in a few seconds).
    """
    try:
        from sklearn.datasets import load_digits as _sklearn_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn: pip install 'micrograd-plus[digits]' "
            "(or pip install scikit-learn)."
        ) from None
    rng = _make_rng("load_digits", seed)
    digits = _sklearn_digits()
    X = [[float(v) / 16.0 for v in row] for row in digits.data.tolist()]
    y = [int(t) for t in digits.target.tolist()]
    order = list(range(len(X)))
    if shuffle:
        rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]
