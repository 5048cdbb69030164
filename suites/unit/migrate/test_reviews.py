"""Review comments say what is kept, why, and what to do -- once per statement."""

from __future__ import annotations

from suites.unit.migrate.conftest import REVIEW, code, migrate

HELD = """
    from tidyllm.dspy_enhanced import CacheConfig, DSPyEnhancedWrapper, RetryConfig
    def make(lm):
        return DSPyEnhancedWrapper(cache_config=CacheConfig(), lm=lm)
    a = DSPyEnhancedWrapper(cache_config=CacheConfig(ttl=5))
    c = DSPyEnhancedWrapper(cache_config=CacheConfig(ttl=7), retry_config=RetryConfig())
"""


def _reviews_above(out: str, line: str) -> list[str]:
    lines = out.splitlines()
    index = lines.index(line)
    found = []
    while index > 0 and lines[index - 1].lstrip().startswith(REVIEW):
        index -= 1
        found.append(lines[index].lstrip()[len(REVIEW):])
    return found


def test_calls_held_back_by_another_get_one_comment_naming_it_and_the_next_step() -> None:
    out = code(HELD)
    assert "kept on the legacy API with a related call" not in out
    assert _reviews_above(out, "c = DSPyEnhancedWrapper(cache_config=CacheConfig(ttl=7), "
                               "retry_config=RetryConfig())") == [
        "DSPyEnhancedWrapper(...), CacheConfig(...), RetryConfig(...) stay on unified.compat "
        "because every CacheConfig(...) of a file comes from one import and "
        "`DSPyEnhancedWrapper(cache_config=CacheConfig(), lm=lm)` cannot migrate: resolve the "
        "review there, then run unified-migrate again"]


def test_a_config_held_back_by_its_own_wrapper_points_at_the_review_above() -> None:
    out = code(HELD)
    assert _reviews_above(out, "    return DSPyEnhancedWrapper(cache_config=CacheConfig(), lm=lm)") \
        == ["CacheConfig(...) stays on unified.compat because the call with the review above "
            "cannot migrate and they move together: resolve that review, then run "
            "unified-migrate again",
            "lm=...: the unified wrapper builds its own LM; choose a backend in UnifiedConfig"]


def test_no_statement_gets_the_same_comment_twice() -> None:
    result = migrate(HELD)
    assert len(result.reviews) == 4


def test_success_and_error_on_a_wrapper_kept_for_another_reason_are_not_flagged() -> None:
    out = code("""
        from tidyllm.dspy_wrapper import DSPyConfig, DSPyWrapper
        w = DSPyWrapper(DSPyConfig(budget_usd=1.0))
        r = w.predict("question -> answer", question="hi")
        print(r.outputs if r.success else r.error)
    """)
    assert "DSPyResult." not in out and out.count(REVIEW) == 2
    assert "DSPyConfig(budget_usd=...): the unified API has no spending budget" in out


def test_success_alone_keeping_the_wrapper_says_how_to_migrate_it() -> None:
    out = code("""
        from tidyllm.dspy_wrapper import DSPyWrapper
        w = DSPyWrapper()
        r = w.predict("question -> answer", question="hi")
        print(r.outputs if r.success else r.error)
    """)
    assert (f"{REVIEW}DSPyResult.success has no unified equivalent, so DSPyWrapper(...) stays "
            "on unified.compat: the unified predict() raises a unified.UnifiedError instead of "
            "returning success=False; put the call in try/except UnifiedError and drop the "
            "check, then run unified-migrate again") in out
    assert f"{REVIEW}DSPyResult.error has no unified equivalent" in out
