"""micrograd_plus.data: shapes, labels, balance, determinism, exact geometry, bad input."""

import math
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus import data

CLASSIFIERS = {
    "moons": (data.make_moons, 2),
    "circles": (data.make_circles, 2),
    "spirals": (data.make_spirals, 3),
    "blobs": (data.make_blobs, 3),
}
ALL_MAKERS = [data.make_moons, data.make_circles, data.make_spirals, data.make_blobs, data.make_sine]


def balanced(n, k):
    """scikit-learn's split: two classes get n // 2 and n - n // 2; k classes get n // k each
    and the first n % k one more."""
    if k == 2:
        return [n // 2, n - n // 2]
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


# ---- shapes, types, labels, balance ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
@given(n=st.integers(1, 60), noise=st.sampled_from([0.0, 0.1, 1.0]), seed=st.integers(0, 2**32))
def test_classification_shapes_labels_and_balance(name, n, noise, seed):
    maker, k = CLASSIFIERS[name]
    X, y = maker(n_samples=n, noise=noise, seed=seed)
    assert isinstance(X, list) and isinstance(y, list)
    assert len(X) == len(y) == n
    assert all(isinstance(row, list) and len(row) == 2 for row in X)
    assert all(type(v) is float and math.isfinite(v) for row in X for v in row)
    assert all(type(label) is int and 0 <= label < k for label in y)
    counts = Counter(y)
    assert [counts[c] for c in range(k)] == balanced(n, k)


def test_moons_split_is_sklearns():
    # scikit-learn: n_samples_out = n // 2 (label 0), n_samples_in = n - n // 2 (label 1)
    _, y = data.make_moons(n_samples=7)
    assert Counter(y) == {0: 3, 1: 4}


@given(n=st.integers(1, 60), noise=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 1000))
def test_sine_shapes(n, noise, seed):
    X, y = data.make_sine(n_samples=n, noise=noise, seed=seed)
    assert len(X) == len(y) == n
    assert all(isinstance(row, list) and len(row) == 1 and type(row[0]) is float for row in X)
    assert all(-math.pi <= row[0] <= math.pi for row in X)
    assert all(type(t) is float for t in y)


def test_defaults_are_100_samples():
    for maker in ALL_MAKERS:
        X, y = maker()
        assert len(X) == len(y) == 100


def test_spirals_and_blobs_class_counts():
    for k in (1, 2, 3, 5):
        _, y = data.make_spirals(n_samples=23, n_classes=k)
        counts = Counter(y)
        assert [counts[c] for c in range(k)] == [23 // k + (c < 23 % k) for c in range(k)]
        assert set(y) == set(range(k))
        _, y = data.make_blobs(n_samples=23, centers=k)
        assert set(y) == set(range(k))


def test_rows_are_shuffled_so_minibatches_see_both_classes():
    _, y = data.make_moons(n_samples=100)
    assert 0 < sum(y[:10]) < 10
    _, y = data.make_moons(n_samples=100, shuffle=False)
    assert y == [0] * 50 + [1] * 50


# ---- determinism ----------------------------------------------------------------------


@pytest.mark.parametrize("maker", ALL_MAKERS)
def test_same_seed_same_data_and_global_state_untouched(maker):
    random.seed(123)
    before = random.getstate()
    first = maker(n_samples=40, noise=0.2, seed=7)
    assert random.getstate() == before
    random.random()  # moving the global state changes nothing
    assert maker(n_samples=40, noise=0.2, seed=7) == first


@pytest.mark.parametrize("maker", ALL_MAKERS)
def test_different_seeds_differ(maker):
    assert maker(n_samples=40, noise=0.2, seed=1) != maker(n_samples=40, noise=0.2, seed=2)


@pytest.mark.parametrize("maker", ALL_MAKERS)
def test_random_instance_is_drawn_from(maker):
    rng = random.Random(5)
    a, b = maker(n_samples=20, seed=rng), maker(n_samples=20, seed=rng)
    assert a != b
    assert maker(n_samples=20, seed=random.Random(5)) == a


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_noise_displaces_the_same_points_in_the_same_order(name):
    maker, _ = CLASSIFIERS[name]
    X0, y0 = maker(n_samples=50, noise=0.0, seed=3)
    X1, y1 = maker(n_samples=50, noise=0.05, seed=3)
    assert y0 == y1
    shifts = [math.dist(a, b) for a, b in zip(X0, X1)]
    assert all(s > 0 for s in shifts)
    assert max(shifts) < 0.5  # 0.05 std: a few sigma at most


def test_noise_has_the_requested_spread():
    X0, _ = data.make_blobs(n_samples=4000, noise=0.0, seed=1)
    X1, _ = data.make_blobs(n_samples=4000, noise=0.3, seed=1)
    dx = [b[0] - a[0] for a, b in zip(X0, X1)]
    mean = sum(dx) / len(dx)
    std = math.sqrt(sum((d - mean) ** 2 for d in dx) / len(dx))
    assert abs(mean) < 0.03
    assert abs(std - 0.3) < 0.02


# ---- exact geometry at noise = 0 ------------------------------------------------------


def test_moons_lie_on_their_circles():
    X, y = data.make_moons(n_samples=51, noise=0.0)
    for (a, b), label in zip(X, y):
        if label == 0:  # upper half of the unit circle around (0, 0)
            assert math.hypot(a, b) == pytest.approx(1.0, abs=1e-12)
            assert b >= -1e-12
        else:  # lower half of the unit circle around (1, 0.5)
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert b <= 0.5 + 1e-12
    # the end points are included, as numpy.linspace(0, pi, m)
    upper = sorted(tuple(p) for p, label in zip(X, y) if label == 0)
    assert upper[0] == pytest.approx((-1.0, 0.0), abs=1e-12)
    assert upper[-1] == pytest.approx((1.0, 0.0), abs=1e-12)


def test_circles_radii_and_even_angles():
    X, y = data.make_circles(n_samples=40, noise=0.0, factor=0.3, shuffle=False)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3, abs=1e-12)
    angles = [math.atan2(b, a) % (2 * math.pi) for a, b in X[:20]]
    assert angles == pytest.approx([2 * math.pi * i / 20 for i in range(20)], abs=1e-9)


def test_spirals_geometry():
    k = 4
    X, y = data.make_spirals(n_samples=40, noise=0.0, n_classes=k)
    for (a, b), c in zip(X, y):
        r = math.hypot(a, b)
        assert 0.0 <= r <= 1.0 + 1e-12
        if r > 1e-9:
            phi = 2 * math.pi * c / k + 4.0 * r
            assert a == pytest.approx(r * math.cos(phi), abs=1e-12)
            assert b == pytest.approx(r * math.sin(phi), abs=1e-12)


def test_blobs_sit_on_their_centres():
    X, y = data.make_blobs(n_samples=30, noise=0.0, centers=3)
    for (a, b), c in zip(X, y):
        assert (a, b) == pytest.approx((math.cos(2 * math.pi * c / 3), math.sin(2 * math.pi * c / 3)))
    centers = [[5.0, -1.0, 2.0], [0.0, 0.0, 0.0]]
    X, y = data.make_blobs(n_samples=9, noise=0.0, centers=centers)
    assert all(row == centers[c] for row, c in zip(X, y))
    assert Counter(y) == {0: 5, 1: 4}
    X[0][0] = 99.0  # rows are fresh lists, not the caller's centres
    assert centers[0][0] == 5.0 and centers[1][0] == 0.0


def test_sine_targets_are_exact_without_noise():
    X, y = data.make_sine(n_samples=50, noise=0.0, seed=4)
    assert all(t == math.sin(row[0]) for row, t in zip(X, y))
    _, y_noisy = data.make_sine(n_samples=50, noise=0.1, seed=4)
    assert y_noisy != y


# ---- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("maker", ALL_MAKERS)
@pytest.mark.parametrize("n", [0, -3])
def test_too_few_samples(maker, n):
    with pytest.raises(ValueError, match=rf"n_samples must be >= 1, got {n}"):
        maker(n_samples=n)


@pytest.mark.parametrize("maker", ALL_MAKERS)
@pytest.mark.parametrize("n", [2.5, "10", None, True])
def test_non_int_samples(maker, n):
    with pytest.raises(TypeError, match="n_samples must be an int"):
        maker(n_samples=n)


@pytest.mark.parametrize("maker", ALL_MAKERS)
def test_bad_noise(maker):
    with pytest.raises(ValueError, match=r"noise .* got -0.1"):
        maker(noise=-0.1)
    with pytest.raises(ValueError, match="got nan"):
        maker(noise=float("nan"))
    with pytest.raises(TypeError, match="noise must be a number, got str"):
        maker(noise="0.1")


@pytest.mark.parametrize("maker", ALL_MAKERS)
@pytest.mark.parametrize("seed", [1.5, "0", True])
def test_bad_seed(maker, seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        maker(seed=seed)


def test_bad_maker_specific_arguments():
    with pytest.raises(ValueError, match="n_classes must be >= 1, got 0"):
        data.make_spirals(n_classes=0)
    with pytest.raises(TypeError, match="n_classes must be an int"):
        data.make_spirals(n_classes=2.0)
    with pytest.raises(ValueError, match="centers must be >= 1, got 0"):
        data.make_blobs(centers=0)
    with pytest.raises(ValueError, match="empty"):
        data.make_blobs(centers=[])
    with pytest.raises(ValueError, match="one dimension"):
        data.make_blobs(centers=[[0, 0], [1, 1, 1]])
    with pytest.raises(ValueError, match=r"centers\[1\]"):
        data.make_blobs(centers=[[0, 0], [1, float("inf")]])
    with pytest.raises(TypeError, match="centers must be"):
        data.make_blobs(centers="abc")
    with pytest.raises(ValueError, match=r"factor .* got 1.0"):
        data.make_circles(factor=1.0)
    with pytest.raises(TypeError, match="factor must be a number"):
        data.make_circles(factor="0.5")


def test_blobs_accept_numpy_centres():
    np = pytest.importorskip("numpy")
    X, y = data.make_blobs(n_samples=4, noise=0.0, centers=np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert all(row == [[1.0, 2.0], [3.0, 4.0]][c] for row, c in zip(X, y))
    assert all(type(v) is float for row in X for v in row)
    with pytest.raises(ValueError, match=r"centers\[0\] is empty"):
        data.make_blobs(centers=[[]])
