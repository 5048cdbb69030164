"""``bypass_cache()`` and ``rollout()`` blocks reach the cache through the request."""

from __future__ import annotations

from unified import CacheConfig, bypass_cache
from unified._request_config import CallOptions
from unified._scope import rollout, scoped


def test_outside_any_block_the_options_are_unchanged() -> None:
    options = CallOptions(rollout_id="r")
    assert scoped(options) is options


def test_the_blocks_fold_into_the_options() -> None:
    with bypass_cache(), rollout("salt-1"):
        options = scoped(CallOptions())
    assert (options.cache, options.salt) == (False, "salt-1")


def test_a_dspy_call_in_a_bypass_block_neither_reads_nor_writes_the_cache(make_wrapper) -> None:
    wrapper = make_wrapper([{"answer": "a"}, {"answer": "b"}], cache=CacheConfig())
    module = wrapper.create_module("question -> answer")
    with bypass_cache():
        module.predict(question="q")
    assert module.predict(question="q").answer == "b"
    assert wrapper.get_metrics()["cache_hits"] == 0


def test_a_user_programs_rollout_gets_its_own_entry(make_wrapper) -> None:
    import dspy

    wrapper = make_wrapper([{"answer": "a"}, {"answer": "b"}], cache=CacheConfig())
    module = wrapper.wrap_module(dspy.Predict("question -> answer"))
    first = module.predict(question="q").answer
    assert (first, module.predict(rollout_id="r2", question="q").answer) == ("a", "b")
    assert module.predict(question="q").answer == "a"
