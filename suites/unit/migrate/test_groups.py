"""A config object the codemod cannot follow through every use stays on unified.compat."""

from __future__ import annotations

import pytest

from suites.unit.migrate.conftest import REVIEW, code, dedent

ISSUE_EXAMPLE = """
    import os
    from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, ValidationConfig
    STRICT = os.environ.get("STRICT")
    v = ValidationConfig(min_length=1) if STRICT else None
    w = DSPyEnhancedWrapper(validation_config=v)
    print(w.create_module("qa", "question -> answer").predict(question="q").answer)
"""


def test_a_conditionally_built_config_keeps_the_compat_import() -> None:
    out = code(ISSUE_EXAMPLE)
    assert "from unified.compat import DSPyEnhancedWrapper, ValidationConfig\n" in out
    assert "from unified import" not in out
    assert f"{REVIEW}ValidationConfig(...) is used in `ValidationConfig(min_length=1) if " \
           "STRICT else None`" in out


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_migrated_issue_example_runs_where_the_original_ran(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("STRICT", "1")
    monkeypatch.setenv("UNIFIED_BACKEND", "mock")
    monkeypatch.setenv("UNIFIED_ALLOW_MOCK", "1")
    monkeypatch.chdir(tmp_path)  # the legacy default cache directory is relative
    printed: list[str] = []
    exec(compile(code(ISSUE_EXAMPLE), "<migrated>", "exec"),  # noqa: S102 - the program
         {"__name__": "__main__", "print": lambda *a: printed.append(" ".join(map(str, a)))})
    assert printed == ["mock answer"]


@pytest.mark.parametrize("use", [
    "cfgs = {'retry': r}",
    "print(r)",
    "helper(r)",
    "self_retry = [r]",
    "w = DSPyEnhancedWrapper(retry_config=r if flag else None)",
])
def test_a_config_variable_used_elsewhere_stays_legacy(use: str) -> None:
    out = code(f"""
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, RetryConfig
        r = RetryConfig(max_retries=1)
        {use}
    """)
    assert "from unified.compat import" in out and "RetryConfig" in out.split("\n")[0]
    assert "r = RetryConfig(max_retries=1)\n" in out
    assert "where the codemod cannot tell whether the legacy or the unified class is " \
           "expected" in out


def test_a_config_returned_by_a_helper_stays_legacy() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import CacheConfig
        def settings():
            return CacheConfig(ttl=60)
    """)
    assert out.startswith("from unified.compat import CacheConfig\n")


def test_a_config_passed_straight_to_its_wrapper_still_migrates() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, RetryConfig
        r = RetryConfig(max_retries=1)
        w = DSPyEnhancedWrapper(retry_config=r)
        print(r.max_retries)
    """)
    assert "from unified.compat" not in out and REVIEW not in out
    assert "r = RetryConfig(max_retries=1, max_delay=60.0)\n" in out


def test_validation_keyword_lists_keep_the_config_legacy() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, ValidationConfig
        v = ValidationConfig(forbidden_keywords=["x"])
        w = DSPyEnhancedWrapper(validation_config=v)
        print(v.forbidden_keywords)
    """)
    assert dedent("""
        from unified.compat import DSPyEnhancedWrapper, ValidationConfig
    """) in out
    assert "ValidationConfig.forbidden_keywords has no unified equivalent" in out
