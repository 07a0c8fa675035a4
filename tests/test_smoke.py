from micrograd_plus import Value


def test_reuse_sums_paths():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
