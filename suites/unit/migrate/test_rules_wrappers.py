"""Rewrite rules for the enhanced and Bedrock wrappers, the gateway configuration and the
dynamic module (spec sections 1, 2, 3, 5). Idempotency is checked by ``code()``."""

from __future__ import annotations

from suites.unit.migrate.conftest import REVIEW, assert_kept, code, dedent

ENHANCED_DEFAULTS = ('    retry=RetryConfig(max_delay=60.0),\n'
                     '    cache=CacheConfig(directory=".tidydspy_cache"),\n')


def test_enhanced_wrapper_moves_its_configs_into_a_unified_config() -> None:
    assert code("""
        from tidyllm.dspy_enhanced import CacheConfig, DSPyEnhancedWrapper, RetryConfig, ValidationConfig
        w = DSPyEnhancedWrapper(
            retry_config=RetryConfig(max_retries=2),  # flaky
            # cache for ten minutes
            cache_config=CacheConfig(ttl=600),
            validation_config=ValidationConfig(min_length=1),
        )
    """) == dedent("""
        from unified import (
            CacheConfig,
            RetryConfig,
            UnifiedConfig,
            UnifiedDSPyWrapper,
            ValidationConfig,
        )
        w = UnifiedDSPyWrapper(UnifiedConfig(
            retry=RetryConfig(max_retries=2, max_delay=60.0),  # flaky
            # cache for ten minutes
            cache=CacheConfig(ttl_seconds=600, directory=".tidydspy_cache"),
            validation=ValidationConfig(min_length=1),
        ))
    """)


def test_enhanced_wrapper_defaults_positionals_none_and_debug() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, RetryConfig
        rc = RetryConfig(max_retries=1)
        a = DSPyEnhancedWrapper()
        b = DSPyEnhancedWrapper(rc, None, None, None, debug=True)
    """)
    assert out == dedent("""
        from unified import CacheConfig, RetryConfig, UnifiedConfig, UnifiedDSPyWrapper
        rc = RetryConfig(max_retries=1, max_delay=60.0)
        a = UnifiedDSPyWrapper(UnifiedConfig(
        """) + ENHANCED_DEFAULTS + dedent("""
        ))
        b = UnifiedDSPyWrapper(UnifiedConfig(
            retry=rc,
            cache=CacheConfig(directory=".tidydspy_cache"),
        ))
    """)


def test_enhanced_wrapper_methods_are_rewritten_with_it() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper
        w = DSPyEnhancedWrapper()
        qa = w.create_module("qa", "question -> answer")
        named = w.create_module(name="n", signature="q -> a", retry_config=None)
        results = w.batch_process(qa, items, max_workers=2)
        print(qa.process({"question": "x"}), qa.input_fields, w.chain(qa, named), w.get_metrics())
    """)
    assert out.endswith(dedent("""
        qa = w.create_module("question -> answer")
        named = w.create_module(signature="q -> a")
        results = w.batch(qa, items, max_workers=2)
        print(qa.predict(**{"question": "x"}), qa.input_fields, w.chain(qa, named), w.get_metrics())
    """))


def test_enhanced_wrapper_with_legacy_only_uses_stays_with_its_configs() -> None:
    source = """
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, RetryConfig
        w = DSPyEnhancedWrapper(retry_config=RetryConfig(max_retries=1))
        m = w.create_module("qa", "q -> a", retry_config=RetryConfig(max_retries=9))
        n = w.create_module("qb", "q -> b")
        print(n.cache, w.clear_cache())
        other = DSPyEnhancedWrapper(lm=my_lm)
        computed = DSPyEnhancedWrapper(retry_config=make_retry())
    """
    out = assert_kept(source, "create_module(retry_config=...): per-module settings",
                      "lm=...: the unified wrapper builds its own LM",
                      "retry_config= of DSPyEnhancedWrapper(...) is not an inline RetryConfig(...) "
                      "or a variable bound to one",
                      "RetryConfig(...) stays on unified.compat because every RetryConfig(...) of "
                      "a file comes from one import",
                      module="tidyllm.dspy_enhanced")
    # The group already stays legacy for its arguments: its legacy-only uses are no news.
    assert ".cache has no unified equivalent" not in out


def test_same_named_configs_move_together_but_blocked_wrappers_write_nothing() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import CacheConfig, DSPyEnhancedWrapper, RetryConfig
        fine = RetryConfig(max_retries=1)
        splat = CacheConfig(**options)
        needs_cache = DSPyEnhancedWrapper(retry_config=None)
        blocked = DSPyEnhancedWrapper(retry_config=RetryConfig(), lm=my_lm)
    """)
    # needs_cache would write CacheConfig(...) while CacheConfig(**options) stays legacy;
    # blocked stays legacy, so the RetryConfig() given to it -- and with it every
    # RetryConfig of the file -- stays legacy too.
    assert out == dedent(f"""
        from unified.compat import CacheConfig, DSPyEnhancedWrapper, RetryConfig
        {REVIEW}RetryConfig(...) stays on unified.compat because every RetryConfig(...) of a file comes from one import and `DSPyEnhancedWrapper(retry_config=RetryConfig(), lm=my_lm)` cannot migrate: resolve the review there, then run unified-migrate again
        fine = RetryConfig(max_retries=1)
        {REVIEW}CacheConfig(**...) splat: the arguments cannot be mapped safely; pass them explicitly
        splat = CacheConfig(**options)
        {REVIEW}DSPyEnhancedWrapper(...) would need a CacheConfig(...) for its legacy default, but the CacheConfig(...) calls of this file stay on unified.compat (one import per class) because of `CacheConfig(**options)`: resolve the review there, then run unified-migrate again
        needs_cache = DSPyEnhancedWrapper(retry_config=None)
        {REVIEW}lm=...: the unified wrapper builds its own LM; choose a backend in UnifiedConfig
        {REVIEW}RetryConfig(...) stays on unified.compat because the call with the review above cannot migrate and they move together: resolve that review, then run unified-migrate again
        blocked = DSPyEnhancedWrapper(retry_config=RetryConfig(), lm=my_lm)
    """)


def test_a_config_class_not_tied_to_a_blocked_call_still_migrates() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import CacheConfig, DSPyEnhancedWrapper, RetryConfig
        fine = RetryConfig(max_retries=1)
        splat = CacheConfig(**options)
        needs_cache = DSPyEnhancedWrapper(retry_config=None)
    """)
    assert out.startswith("from unified import RetryConfig\n"
                          "from unified.compat import CacheConfig, DSPyEnhancedWrapper\n"
                          "fine = RetryConfig(max_retries=1, max_delay=60.0)\n")


def test_bedrock_wrapper_maps_an_inline_config_or_dict() -> None:
    out = code("""
        from tidyllm.dspy_bedrock_enhanced import BedrockConfig, DSPyBedrockEnhanced
        from tidyllm.dspy_bedrock_enhanced import DSPyBedrockEnhancedWrapper as Bedrock
        a = Bedrock(BedrockConfig("us-east-2", "p", "AK", "SK", "ST", "claude-3-opus"), None,
                    cache_config=None)
        b = DSPyBedrockEnhanced({"region": "eu-west-1"})
        module = a.create_bedrock_module("summary", "text -> summary")
    """)
    assert out == dedent("""
        from unified import (
            BackendType,
            CacheConfig,
            RetryConfig,
            UnifiedConfig,
            UnifiedDSPyWrapper,
        )
        a = UnifiedDSPyWrapper(UnifiedConfig(
            backend=BackendType.BEDROCK,
            aws_region="us-east-2",
            aws_profile="p",
            aws_access_key_id="AK",
            aws_secret_access_key="SK",
            aws_session_token="ST",
            model="claude-3-opus",
            temperature=0.7,
            max_tokens=1000,
            cache=CacheConfig(directory=".tidydspy_cache"),
            retry=RetryConfig(max_delay=60.0),
        ))
        b = UnifiedDSPyWrapper(UnifiedConfig(
            backend=BackendType.BEDROCK,
            aws_region="eu-west-1",
            temperature=0.7,
            max_tokens=1000,
            retry=RetryConfig(max_delay=60.0),
            cache=CacheConfig(directory=".tidydspy_cache"),
        ))
        module = a.create_module("text -> summary")
    """)


def test_bedrock_configs_that_cannot_be_mapped_are_reviewed() -> None:
    source = """
        from tidyllm.dspy_bedrock_enhanced import DSPyBedrockEnhancedWrapper as Bedrock
        a = Bedrock({"region": "eu-central-1", **extra})
        b = Bedrock({"color": "red"})
        c = Bedrock(client=fake, settings_path="s.yaml")
        d = Bedrock(load())
        e = Bedrock()
        per_model = e.create_bedrock_module("n", "q -> a", model_id="claude-3-haiku")
        f = Bedrock()
        global_lm = f.create_module("n", "q -> a")
    """
    assert_kept(source, "bedrock_config dict: only string-literal BedrockConfig keys can be mapped",
                "client=... (test seam)", "settings_path=...: the YAML model mapping",
                "bedrock_config is not an inline BedrockConfig(...) or dict literal",
                "create_bedrock_module(model_id=...): per-module settings",
                "create_module() of the Bedrock wrapper ran on the global DSPy LM",
                module="tidyllm.dspy_bedrock_enhanced")


def test_configure_gateway_statement_assignment_and_return() -> None:
    assert code("""
        import dspy as d
        from dspy_gateway_backend import configure_dspy_with_gateway
        _unified_wrapper = None
        configure_dspy_with_gateway(route, uri)  # main route

        def lm_of(name):
            lm = configure_dspy_with_gateway(name, gateway_uri=None)
            return configure_dspy_with_gateway()
    """) == dedent("""
        import dspy as d
        from unified import BackendType, RetryConfig, UnifiedConfig, UnifiedDSPyWrapper
        _unified_wrapper = None
        _unified_wrapper_2 = UnifiedDSPyWrapper(UnifiedConfig(
            backend=BackendType.GATEWAY,
            model=route,
            gateway_uri=uri,
            temperature=0.1,
            max_tokens=1000,
            retry=RetryConfig(max_retries=2),
        ))
        d.configure(lm=_unified_wrapper_2.lm)  # main route

        def lm_of(name):
            _unified_wrapper_3 = UnifiedDSPyWrapper(UnifiedConfig(
                backend=BackendType.GATEWAY,
                model=name,
                gateway_uri="http://localhost:5000",
                temperature=0.1,
                max_tokens=1000,
                retry=RetryConfig(max_retries=2),
            ))
            lm = _unified_wrapper_3.lm
            d.configure(lm=lm)
            _unified_wrapper_4 = UnifiedDSPyWrapper(UnifiedConfig(
                backend=BackendType.GATEWAY,
                model="claude-3-sonnet",
                gateway_uri="http://localhost:5000",
                temperature=0.1,
                max_tokens=1000,
                retry=RetryConfig(max_retries=2),
            ))
            d.configure(lm=_unified_wrapper_4.lm)
            return _unified_wrapper_4.lm
    """)


def test_configure_gateway_adds_import_dspy_and_reviews_what_it_cannot_place() -> None:
    out = code("""
        from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway
        configure_dspy_with_gateway("r")
        lms = [configure_dspy_with_gateway("s")]
        first, second = configure_dspy_with_gateway("v")
        lm = configure_dspy_with_gateway("t")
        print(lm.route)
        configure_dspy_with_gateway("u", sleep=no_sleep)
    """)
    assert out.startswith("import dspy\nfrom unified import BackendType, RetryConfig, "
                          "UnifiedConfig, UnifiedDSPyWrapper\nfrom unified.compat import "
                          "configure_dspy_with_gateway\n")
    assert "dspy.configure(lm=_unified_wrapper.lm)\n" in out
    for reason in ("configure_dspy_with_gateway() inside an expression",
                "configure_dspy_with_gateway.route has no unified equivalent", "sleep=... (test seam)"):
        assert REVIEW + reason in out


def test_dynamic_module_uses_the_wrapper_in_scope() -> None:
    out = code("""
        from tidyllm.base_module import DynamicDSPyModule
        from tidyllm.dspy_enhanced import DSPyEnhancedWrapper
        wrapper = DSPyEnhancedWrapper()
        module = DynamicDSPyModule(Sig)
        print(module(question="q"), module.forward(question="r"))

        def later():
            return DynamicDSPyModule(signature_cls=Other)
    """)
    assert "module = wrapper.create_module(Sig)\n" in out
    assert 'print(module(question="q"), module.predict(question="r"))\n' in out
    assert "    return wrapper.create_module(Other)\n" in out
    assert "DynamicDSPyModule" not in out


def test_dynamic_module_prefers_a_local_wrapper_then_a_configure_wrapper() -> None:
    out = code("""
        from tidyllm.base_module import DynamicDSPyModule
        from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway
        from unified import UnifiedDSPyWrapper
        existing = UnifiedDSPyWrapper()
        configure_dspy_with_gateway("r")
        a = DynamicDSPyModule(A)

        def f():
            local = UnifiedDSPyWrapper()
            return DynamicDSPyModule(B)
    """)
    assert "a = _unified_wrapper.create_module(A)\n" in out
    assert "    return local.create_module(B)\n" in out


def test_dynamic_module_without_one_wrapper_is_reviewed() -> None:
    source = """
        from tidyllm.base_module import DynamicDSPyModule
        from unified import UnifiedDSPyWrapper
        early = DynamicDSPyModule(A)
        one = UnifiedDSPyWrapper()
        two = UnifiedDSPyWrapper()
        late = DynamicDSPyModule(B)
        kept = DynamicDSPyModule(C)
        print(kept.predictor)
    """
    assert_kept(source, "no UnifiedDSPyWrapper in scope", "several wrappers in scope",
                module="tidyllm.base_module")
