"""Enhanced wrappers keep the backend their legacy code used: the configured gateway."""

from __future__ import annotations

import pytest

from suites.unit.migrate.conftest import REVIEW, code


def test_a_wrapper_after_configure_dspy_with_gateway_is_pinned_to_that_gateway() -> None:
    out = code("""
        from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, RetryConfig, CacheConfig
        configure_dspy_with_gateway("claude-3-haiku", "http://gw:5000")
        w = DSPyEnhancedWrapper(retry_config=RetryConfig(max_retries=2), cache_config=CacheConfig())
    """)
    assert out.endswith("""w = UnifiedDSPyWrapper(UnifiedConfig(
    backend=BackendType.GATEWAY,
    model="claude-3-haiku",
    gateway_uri="http://gw:5000",
    temperature=0.1,
    max_tokens=1000,
    retry=RetryConfig(max_retries=2, max_delay=60.0),
    cache=CacheConfig(directory=".tidydspy_cache"),
))
""")


def test_module_level_names_of_the_route_are_copied_into_functions() -> None:
    out = code("""
        from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper
        ROUTE = "claude-3-haiku"
        configure_dspy_with_gateway(route=ROUTE)

        def build():
            return DSPyEnhancedWrapper()
    """)
    assert "    return UnifiedDSPyWrapper(UnifiedConfig(\n        backend=BackendType.GATEWAY,\n" \
           "        model=ROUTE,\n" in out


UNPINNED = (f"{REVIEW}DSPyEnhancedWrapper(...) answered from the global DSPy LM this file "
            "configures (configure_dspy_with_gateway or dspy.configure) and the codemod cannot "
            "pin that backend here")


@pytest.mark.parametrize("setup", [
    'configure_dspy_with_gateway("a")\nconfigure_dspy_with_gateway("b")',  # two routes
    "def setup(route):\n    configure_dspy_with_gateway(route)",  # a route it cannot copy
    'lms = [configure_dspy_with_gateway("a")]',  # a configure call that stays legacy
    'dspy.configure(lm=dspy.LM("openai/gpt-4o"))',  # an LM it cannot read
])
def test_a_global_lm_that_cannot_be_pinned_keeps_the_wrapper_under_review(setup: str) -> None:
    source = ("import dspy\nfrom tidyllm.dspy_gateway_backend import configure_dspy_with_gateway\n"
              "from tidyllm.dspy_enhanced import DSPyEnhancedWrapper\n"
              f"{setup}\nw = DSPyEnhancedWrapper()\n")
    out = code(source)
    assert UNPINNED in out and "\nw = DSPyEnhancedWrapper()\n" in out
    assert "from unified.compat import DSPyEnhancedWrapper" in out


def test_an_unpinned_wrapper_kept_for_another_reason_gets_only_that_review() -> None:
    out = code("""
        from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper
        configure_dspy_with_gateway("a")
        configure_dspy_with_gateway("b")
        w = DSPyEnhancedWrapper(metrics_config=m)
    """)
    assert "metrics_config=...: the unified metrics have no per-counter switches" in out
    assert UNPINNED not in out


def test_without_a_configured_lm_the_wrapper_stays_automatic() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper
        w = DSPyEnhancedWrapper()
    """)
    assert "BackendType" not in out and REVIEW not in out


def test_a_configure_call_kept_by_another_wrapper_leaves_no_wrapper_pinned_to_it() -> None:
    # w2 cannot migrate; its RetryConfig keeps every RetryConfig -- and the configure call,
    # which would write one -- on unified.compat, so w1 cannot be pinned to a unified
    # gateway either: all of it stays, and the comments name w2 as the cause.
    out = code("""
        from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, RetryConfig
        configure_dspy_with_gateway("a")
        w1 = DSPyEnhancedWrapper(retry_config=RetryConfig(max_retries=1))
        w2 = DSPyEnhancedWrapper(retry_config=RetryConfig(max_retries=2), metrics_config=m)
    """)
    assert "UnifiedDSPyWrapper" not in out and 'configure_dspy_with_gateway("a")\n' in out
    assert "because of `DSPyEnhancedWrapper(retry_config=RetryConfig(max_retries=2)" in out
