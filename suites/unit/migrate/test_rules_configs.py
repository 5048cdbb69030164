"""Rewrite rules for the legacy config classes and the simple wrapper (spec sections 1, 4).

Every ``code()``/``migrate()`` call also checks that a second run changes nothing.
"""

from __future__ import annotations

from suites.unit.migrate.conftest import REVIEW, assert_kept, code, dedent, migrate


def test_retry_config_keeps_fields_and_the_legacy_max_delay() -> None:
    assert code("""
        from tidyllm.dspy_enhanced import RetryConfig
        a = RetryConfig()
        b = RetryConfig(3, 2.0, 3.0, 10.0)
        c = RetryConfig(max_retries=1, max_delay=5.0)
    """) == dedent("""
        from unified import RetryConfig
        a = RetryConfig(max_delay=60.0)
        b = RetryConfig(max_retries=3, base_delay=2.0, backoff_factor=3.0, max_delay=10.0)
        c = RetryConfig(max_retries=1, max_delay=5.0)
    """)


def test_cache_config_renames_ttl_and_cache_dir_and_keeps_the_disk_default() -> None:
    assert code("""
        from tidyllm.dspy_enhanced import CacheConfig
        a = CacheConfig(ttl=5, cache_dir="d")
        b = CacheConfig(True, 60)
        c = CacheConfig(enabled=False)
    """) == dedent("""
        from unified import CacheConfig
        a = CacheConfig(ttl_seconds=5, directory="d")
        b = CacheConfig(enabled=True, ttl_seconds=60, directory=".tidydspy_cache")
        c = CacheConfig(enabled=False)
    """)


def test_validation_config_renames_custom_validators() -> None:
    assert code("""
        from dspy_enhanced import ValidationConfig
        v = ValidationConfig(min_length=1, custom_validators=[str.isalpha])
    """) == dedent("""
        from unified import ValidationConfig
        v = ValidationConfig(min_length=1, validators=[str.isalpha])
    """)


def test_arguments_the_legacy_signature_does_not_have_are_reviewed() -> None:
    assert_kept("""
        from tidyllm.dspy_enhanced import CacheConfig, RetryConfig
        a = RetryConfig(1, 2, 3, 4, 5)
        b = CacheConfig(size=3)
    """, "RetryConfig(): unexpected positional argument",
                "CacheConfig(size=...) is not a known argument", module="tidyllm.dspy_enhanced")


def test_simple_wrapper_without_config_gets_the_legacy_defaults() -> None:
    assert code("""
        from tidyllm.dspy_wrapper import DSPyWrapper
        w = DSPyWrapper()
    """) == dedent("""
        from unified import BackendType, CacheConfig, UnifiedConfig, UnifiedDSPyWrapper
        w = UnifiedDSPyWrapper(UnifiedConfig(
            backend=BackendType.GATEWAY,
            model="claude-3-sonnet",
            gateway_uri="http://localhost:5000",
            temperature=0.7,
            max_tokens=1000,
            cache=CacheConfig(memory_entries=128),
        ))
    """)


def test_simple_config_maps_fields_retries_and_cache() -> None:
    assert code("""
        from tidyllm.dspy_wrapper import DSPyConfig, DSPyWrapper
        w = DSPyWrapper(DSPyConfig(model="m", gateway_uri="http://g:1", temperature=0.0, max_tokens=5,
                                   max_retries=3, cache_size=8, budget_usd=None))
        quiet = DSPyWrapper(config=DSPyConfig("m", max_retries=1, cache_enabled=False))
    """) == dedent("""
        from unified import (
            BackendType,
            CacheConfig,
            RetryConfig,
            UnifiedConfig,
            UnifiedDSPyWrapper,
        )
        w = UnifiedDSPyWrapper(UnifiedConfig(
            backend=BackendType.GATEWAY,
            model="m",
            gateway_uri="http://g:1",
            temperature=0.0,
            max_tokens=5,
            retry=RetryConfig(max_retries=2),
            cache=CacheConfig(memory_entries=8),
        ))
        quiet = UnifiedDSPyWrapper(config=UnifiedConfig(
            backend=BackendType.GATEWAY,
            model="m",
            gateway_uri="http://localhost:5000",
            temperature=0.7,
            max_tokens=1000,
        ))
    """)


def test_simple_config_bound_to_a_variable_migrates_with_its_wrapper() -> None:
    out = code("""
        from tidyllm.dspy_wrapper import DSPyConfig, DSPyWrapper
        cfg = DSPyConfig(model="m", cache_enabled=flag)
        w = DSPyWrapper(cfg)
        print(cfg.model)
    """)
    assert "cfg = UnifiedConfig(\n    backend=BackendType.GATEWAY,\n    model=\"m\",\n" in out
    assert "    cache=CacheConfig(enabled=flag, memory_entries=128),\n" in out
    assert "w = UnifiedDSPyWrapper(cfg)\nprint(cfg.model)\n" in out


def test_circuit_breaker_and_budget_fields_keep_the_call_under_review() -> None:
    result = migrate("""
        from tidyllm.dspy_wrapper import DSPyConfig, DSPyWrapper
        cfg = DSPyConfig(circuit_failure_threshold=3, budget_usd=1.0)
        w = DSPyWrapper(cfg)
    """)
    assert result.code.decode() == dedent(f"""
        from unified.compat import DSPyConfig, DSPyWrapper
        {REVIEW}DSPyConfig(circuit_failure_threshold=...): the unified API has no circuit breaker
        {REVIEW}DSPyConfig(budget_usd=...): the unified API has no spending budget
        cfg = DSPyConfig(circuit_failure_threshold=3, budget_usd=1.0)
        {REVIEW}DSPyWrapper(...) stays on unified.compat because `DSPyConfig(circuit_failure_threshold=3, budget_usd=1.0)` cannot migrate and a wrapper moves with its configs and modules: resolve the review there, then run unified-migrate again
        w = DSPyWrapper(cfg)
    """)
    assert len(result.reviews) == 3


def test_non_literal_retries_and_test_seams_are_reviewed() -> None:
    out = code("""
        from tidyllm.dspy_wrapper import DSPyConfig, DSPyWrapper
        a = DSPyWrapper(DSPyConfig(max_retries=n))
        b = DSPyWrapper(http_client=client)
        c = DSPyWrapper(settings)
    """)
    assert "is not an integer literal" in out and "a = DSPyWrapper(DSPyConfig(max_retries=n))" in out
    assert "http_client=... (test seam)" in out and "b = DSPyWrapper(http_client=client)" in out
    assert "config= of DSPyWrapper(...) is not an inline DSPyConfig(...) or a variable bound to " \
        "one" in out


def test_simple_predict_becomes_a_module_call_and_outputs_a_dict() -> None:
    assert code("""
        from tidyllm.dspy_wrapper import DSPyWrapper
        w = DSPyWrapper()
        r = w.predict("q -> a", q="x")
        print(r.outputs["a"], w.predict(signature="q -> a", q="y").outputs)
        w.predict("q -> a", **inputs)
    """).endswith(dedent(f"""
        {REVIEW}predict() now raises on failure and returns a dspy.Prediction (the legacy DSPyResult had success=False)
        r = w.create_module("q -> a").predict(q="x")
        {REVIEW}predict() now raises on failure and returns a dspy.Prediction (the legacy DSPyResult had success=False)
        print(r.toDict()["a"], w.create_module("q -> a").predict(q="y").toDict())
        {REVIEW}predict() now raises on failure and returns a dspy.Prediction (the legacy DSPyResult had success=False)
        w.create_module("q -> a").predict(**inputs)
    """))


def test_legacy_only_uses_keep_the_simple_wrapper_legacy() -> None:
    source = """
        from tidyllm.dspy_wrapper import DSPyWrapper
        w = DSPyWrapper()
        r = w.predict("q -> a", q="x")
        if r.success:
            tool = w.as_mcp_tool("qa", "q -> a")
        w.total_cost_usd = 0.0
        handle(w.predict("q -> a", q="y"))
    """
    assert_kept(source, "DSPyResult.success has no unified equivalent, so DSPyWrapper(...) stays "
                "on unified.compat: the unified predict() raises a unified.UnifiedError instead",
                "DSPyWrapper.as_mcp_tool has no unified equivalent",
                "DSPyWrapper.total_cost_usd has no unified equivalent",
                "the DSPyResult of DSPyWrapper.predict() is passed on",
                module="tidyllm.dspy_wrapper")


def test_predict_with_extra_positional_inputs_is_reviewed() -> None:
    out = code("""
        from tidyllm.dspy_wrapper import DSPyWrapper
        w = DSPyWrapper()
        w.predict("q -> a", "x")
    """)
    assert "pass the signature first and the inputs as keywords" in out
    assert "w = DSPyWrapper()" in out
