"""Shared test set-up: hypothesis profiles.

- "dev" (default locally): 40 examples per property, a fresh random draw each run, so
  repeated local runs keep exploring.
- "ci" (with CI=true or HYPOTHESIS_PROFILE=ci): 120 examples per property, derandomized,
  so a CI run is reproducible: the same commit always tests the same inputs.
- "ci-fast" (HYPOTHESIS_PROFILE=ci-fast, set by ``dev.py matrix``): derandomized too, 30
  examples, for the fast suite on the Python versions other than CI's main one.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "ci",
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# "ci-fast": CI's runs of the fast suite on the other Python versions (dev.py matrix):
# reproducible like "ci", with fewer examples, since "ci" already explores on 3.11.
settings.register_profile(
    "ci-fast",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
