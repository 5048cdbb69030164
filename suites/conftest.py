"""Suite-wide set-up that must happen before dspy or litellm is imported.

- DSPy's own cache is pointed at a throw-away directory and switched off, so that no
  answer leaks between tests (its key ignores the engine and api_base).
- litellm is kept offline (it otherwise fetches a price list on import).
- Hypothesis profiles: ``dev`` (quick, the default) and ``ci`` (thorough,
  derandomized so failures reproduce); ``CI=true`` selects ``ci``.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DSPY_CACHEDIR", tempfile.mkdtemp(prefix="unified-dspy-cache-"))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_OFFLINE_MODE"] = "true"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
for _var in ("MLFLOW_GATEWAY_URI", "UNIFIED_ALLOW_MOCK", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(_var, None)

import dspy  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") else "dev"))

# The parity harness's fixtures and markers: enabled by the project's own test
# configuration, never by an installed entry point (the library wheel ships no plugin).
pytest_plugins = ["harness.pytest_plugin"]
