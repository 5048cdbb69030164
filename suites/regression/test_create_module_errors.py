"""Regression: a signature DSPy cannot parse is a ``UnifiedError``, as the README says.

On main ``create_module("a b -> c")`` raised DSPy's raw ``SyntaxError`` and a lone
surrogate a builtin ``UnicodeEncodeError``.
"""

from __future__ import annotations

import pytest

from unified import ConfigError, MockBackend, UnifiedConfig, UnifiedDSPyWrapper, UnifiedError


@pytest.mark.parametrize("signature", ["a b -> c", "q\ud800 -> a", "question",
                                       "a -> b: NoSuchType", "a,, -> b"])
def test_an_unparsable_signature_is_a_config_error_with_dspys_cause(signature: str) -> None:
    with UnifiedDSPyWrapper(UnifiedConfig(backend="mock"), backend=MockBackend([{"b": "x"}])) as wrapper:
        with pytest.raises(ConfigError) as caught:
            wrapper.create_module(signature)
    error = caught.value
    assert isinstance(error, UnifiedError) and isinstance(error, ValueError)
    assert error.field == "signature" and error.__cause__ is not None
    assert str(error).startswith("signature: got ")
