"""The import pass, and what must survive a rewrite: comments, layout, encoding, newlines."""

from __future__ import annotations

from suites.unit.migrate.conftest import REVIEW, code, dedent, migrate
from unified.migrate import migrate_source


def test_imports_exactly_the_names_the_file_uses() -> None:
    out = code("""
        \"\"\"Doc.\"\"\"
        from __future__ import annotations

        import os  # os
        from tidyllm.dspy_wrapper import DSPyResult, DSPyWrapper
        from tidyllm.dspy_enhanced import CacheConfig, DSPyEnhancedWrapper, ValidationError
        from tidyllm.dspy_gateway_backend import DEFAULT_GATEWAY_URI

        w = DSPyEnhancedWrapper()
        print(os, DEFAULT_GATEWAY_URI, ValidationError)

        def f(r: DSPyResult) -> None:
            pass
    """)
    assert out.startswith(dedent("""
        \"\"\"Doc.\"\"\"
        from __future__ import annotations

        import os  # os
        from unified import (
            CacheConfig,
            RetryConfig,
            UnifiedConfig,
            UnifiedDSPyWrapper,
            ValidationError,
        )
        from unified.compat import DSPyResult
        from unified.compat.dspy_gateway_backend import DEFAULT_GATEWAY_URI

        w = UnifiedDSPyWrapper(UnifiedConfig(
    """))


def test_module_aliases_star_and_dotted_imports() -> None:
    result = migrate("""
        import tidyllm.dspy_wrapper
        import dspy_enhanced
        from tidyllm import dspy_bedrock_enhanced as dbe, other_thing
        from tidyllm.base_module import *
        print(tidyllm.dspy_wrapper.DSPyResult, dspy_enhanced.production, dbe.estimate_cost)
        print(other_thing)
    """)
    assert result.code.decode() == dedent(f"""
        {REVIEW}tidyllm.dspy_wrapper is still used as a module: import the names you need from unified.compat
        {REVIEW}star import of a legacy module: import the names you use, then run unified-migrate again
        from unified.compat import *
        from unified.compat import dspy_bedrock_enhanced as dbe
        from unified.compat import dspy_enhanced
        import tidyllm.dspy_wrapper
        from tidyllm import other_thing
        print(tidyllm.dspy_wrapper.DSPyResult, dspy_enhanced.production, dbe.estimate_cost)
        print(other_thing)
    """)
    assert len(result.reviews) == 2


def test_unused_legacy_imports_go_and_unrelated_files_are_untouched() -> None:
    assert code("""
        from tidyllm.dspy_wrapper import DSPyWrapper  # noqa: F401
        x = 1
    """) == "x = 1\n"
    source = "import dspy\nfrom harness.legacy.dspy_enhanced import RetryConfig\nRetryConfig()\n"
    assert migrate_source(source).code.decode() == source
    assert not migrate_source(source).changed


def test_leading_comments_of_removed_imports_move_to_the_next_statement() -> None:
    assert code("""
        import os

        # the legacy wrapper
        from tidyllm.dspy_wrapper import DSPyResult
        # settings
        SETTINGS = {}
    """) == dedent("""
        import os

        # the legacy wrapper
        # settings
        SETTINGS = {}
    """)


def test_merges_into_an_existing_unified_import_and_adds_nothing_twice() -> None:
    assert code("""
        from unified import MockBackend, UnifiedConfig
        from tidyllm.dspy_enhanced import RetryConfig
        r = RetryConfig(max_retries=1)
    """) == dedent("""
        from unified import MockBackend, UnifiedConfig, RetryConfig
        r = RetryConfig(max_retries=1, max_delay=60.0)
    """)


def test_try_except_import_fallback_becomes_one_import() -> None:
    assert code("""
        try:
            from tidyllm.dspy_enhanced import RetryConfig
        except ImportError:  # a source checkout
            from dspy_enhanced import RetryConfig
        r = RetryConfig()
    """) == dedent("""
        from unified import RetryConfig
        r = RetryConfig(max_delay=60.0)
    """)


def test_nested_imports_are_rewritten_in_place() -> None:
    assert code("""
        def f():
            from tidyllm.dspy_enhanced import DSPyEnhancedWrapper, EnhancedModule
            return DSPyEnhancedWrapper(), EnhancedModule

        def g():
            if True:
                from tidyllm.dspy_enhanced import RetryConfig
            return 1
    """) == dedent("""
        from unified import CacheConfig, RetryConfig, UnifiedConfig, UnifiedDSPyWrapper
        def f():
            from unified.compat import EnhancedModule
            return UnifiedDSPyWrapper(UnifiedConfig(
                retry=RetryConfig(max_delay=60.0),
                cache=CacheConfig(directory=".tidydspy_cache"),
            )), EnhancedModule

        def g():
            if True:
                pass
            return 1
    """)


def test_shadowed_legacy_names_are_left_alone() -> None:
    source = dedent("""
        from tidyllm.dspy_enhanced import RetryConfig

        def f(RetryConfig):
            return RetryConfig(3)

        def g():
            DSPyWrapper = make()
            return DSPyWrapper()
    """)
    assert migrate_source(source).code.decode() == source.replace(
        "from tidyllm.dspy_enhanced import RetryConfig\n", "")


def test_comments_and_layout_survive_inside_and_around_rewrites() -> None:
    assert code("""
        from tidyllm.dspy_enhanced import (  # legacy
            DSPyEnhancedWrapper,
            RetryConfig,
        )

        class Service:
            # the shared wrapper
            wrapper = DSPyEnhancedWrapper(
                retry_config=RetryConfig(
                    max_retries=2,  # two
                    base_delay=0.1,
                ),  # after retry

                # before cache
                cache_config=None,
            )  # trailing
    """) == dedent("""
        from unified import CacheConfig, RetryConfig, UnifiedConfig, UnifiedDSPyWrapper

        class Service:
            # the shared wrapper
            wrapper = UnifiedDSPyWrapper(UnifiedConfig(
                retry=RetryConfig(
                    max_retries=2,  # two
                    base_delay=0.1,
                    max_delay=60.0,
                ),  # after retry

                # before cache
                cache=CacheConfig(directory=".tidydspy_cache"),
            ))  # trailing
    """)


def test_long_calls_hang_under_the_line_they_start_on() -> None:
    out = code("""
        from tidyllm.dspy_enhanced import RetryConfig
        if True:
            policy = RetryConfig(max_retries=10, base_delay=0.25, backoff_factor=3.0)
    """)
    assert out.endswith(dedent("""
        if True:
            policy = RetryConfig(
                max_retries=10,
                base_delay=0.25,
                backoff_factor=3.0,
                max_delay=60.0,
            )
    """))


def test_encoding_and_newlines_are_kept_byte_for_byte() -> None:
    source = ("# -*- coding: latin-1 -*-\r\nfrom tidyllm.dspy_enhanced import RetryConfig\r\n"
              "r = RetryConfig()  # caf\xe9\r\n").encode("latin-1")
    result = migrate_source(source)
    assert result.code == ("# -*- coding: latin-1 -*-\r\nfrom unified import RetryConfig\r\n"
                           "r = RetryConfig(max_delay=60.0)  # caf\xe9\r\n").encode("latin-1")
    assert result.encoding == "iso-8859-1"


def test_calls_in_f_strings_are_reviewed_generators_and_walruses_keep_parentheses() -> None:
    assert code("""
        from tidyllm.dspy_enhanced import CacheConfig, RetryConfig, ValidationConfig
        print(f"{CacheConfig(ttl=5)!r}")
        v = ValidationConfig(n for n in sizes)
        r = RetryConfig(found := lookup())
    """) == dedent(f"""
        from unified import RetryConfig, ValidationConfig
        from unified.compat import CacheConfig
        {REVIEW}CacheConfig() inside an f-string: move it out (the new code may need quotes or lines it cannot have)
        print(f"{{CacheConfig(ttl=5)!r}}")
        v = ValidationConfig(min_length=(n for n in sizes))
        r = RetryConfig(max_retries=(found := lookup()), max_delay=60.0)
    """)
