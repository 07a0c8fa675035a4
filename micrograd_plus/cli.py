"""Command line: ``micrograd-plus demo`` (placeholder until the nn issue lands)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="micrograd-plus")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="build an expression and back-propagate through it")
    parser.parse_args(sys.argv[1:] if argv is None else argv)
    from . import Value

    x, w, b = Value(2.0, "x"), Value(-0.5, "w"), Value(0.3, "b")
    y = (w * x + b).tanh()
    y.backward()
    print(f"y = tanh(w*x + b) = {y.data:.4f}")
    for v in (x, w, b):
        print(f"  dy/d{v.label} = {v.grad:+.4f}")
    return 0
