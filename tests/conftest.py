"""Shared test configuration: Hypothesis profiles and the float64 default for gradient checks.

Profiles (choose with the environment variable HYPOTHESIS_PROFILE):

* ``ci`` (default): a fixed example budget and derandomized search, so CI is fast and a
  failure reproduces exactly on any machine;
* ``dev``: random search with a moderate budget (failures print a reproduce blob);
* ``thorough``: many more examples, for a local run before a release;
* ``quick``: a handful of derandomized examples, not shrunk, for mutation testing
  (``.ci/mutation.py``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_common = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=100, derandomize=True, **_common)
settings.register_profile("dev", max_examples=200, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)
# a mutant is killed by any failing example: no time spent shrinking or explaining it
settings.register_profile("quick", max_examples=4, derandomize=True,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate], **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
