"""``python -m micrograd_plus ...`` runs the command line (see :mod:`micrograd_plus.cli`)."""

import sys

from .cli import main

sys.exit(main())
