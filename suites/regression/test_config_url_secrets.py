"""Regression: credentials inside URL fields never show in a redacted config.

``gateway_uri``, ``api_base`` and ``bedrock_endpoint_url`` may carry user info
(``http://user:password@host``) or a key in the query (``?key=...``). The backends showed
such URLs through ``safe_url``, but ``repr(UnifiedConfig)``, ``redacted()`` and the
``config`` part of ``UnifiedDSPyWrapper.get_info()`` printed them whole.
"""

from __future__ import annotations

import json

import pytest

from unified import ConfigError, UnifiedConfig, UnifiedDSPyWrapper

SECRETS = ("hunter2", "qsecret", "bsecret", "frag-secret")
CONFIG = UnifiedConfig(backend="gateway", gateway_uri="http://admin:hunter2@127.0.0.1:9/gw",
                       api_base="https://api.test/v1?key=qsecret#frag-secret",
                       bedrock_endpoint_url="http://k:bsecret@127.0.0.1:1")


@pytest.mark.parametrize("shown", [repr, lambda c: json.dumps(c.redacted()),
                                   lambda c: json.dumps(UnifiedDSPyWrapper(c).get_info())],
                         ids=["repr", "redacted", "wrapper get_info"])
def test_url_credentials_are_redacted(shown) -> None:
    text = shown(CONFIG)
    assert not [s for s in SECRETS if s in text]
    assert "http://***@127.0.0.1:9/gw" in text and "https://api.test/v1?***#***" in text


def test_the_unredacted_dict_still_round_trips() -> None:
    assert UnifiedConfig.from_dict(CONFIG.to_dict()) == CONFIG


def test_an_unparsable_url_is_rejected_without_showing_it() -> None:
    with pytest.raises(ConfigError) as info:
        UnifiedConfig(gateway_uri="http://user:hunter2@[::1")
    assert "hunter2" not in str(info.value) and info.value.field == "gateway_uri"
