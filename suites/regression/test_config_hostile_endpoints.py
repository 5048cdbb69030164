"""Regression: a URL or region no client can use is a ConfigError naming the field.

``gateway_uri``, ``bedrock_endpoint_url`` and ``api_base`` were only checked for an
``http(s)://`` prefix and ``aws_region`` not at all, so a malformed value passed the config
and the first call died with a raw ``ValueError``, ``httpx.InvalidURL`` or botocore
``InvalidRegionError`` instead of a :class:`~unified.ConfigError`.
"""

from __future__ import annotations

import pytest

from unified import ConfigError, UnifiedConfig
from unified._backends.bedrock import BedrockBackend

BAD_URLS = ["http://[::1", "http://", "http://a b/", "http://127.0.0.1:99999", "http://x:y:z",
            "https://h\x00", "http://h:0"]


@pytest.mark.parametrize("field", ["gateway_uri", "bedrock_endpoint_url", "api_base"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_no_client_can_parse_is_a_config_error(field: str, url: str) -> None:
    with pytest.raises(ConfigError) as info:
        UnifiedConfig.from_dict({field: url})
    assert info.value.field == field


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "https://gw.internal/v1?x=1",
                                 "http://user:pw@[::1]:8080/api", "https://bücher.example"])
def test_usable_urls_are_still_accepted(url: str) -> None:
    assert UnifiedConfig(api_base=url).api_base == url


@pytest.mark.parametrize("region", ["us east 1", "../x", "us-east-1/", "ü", "-us"])
def test_a_region_botocore_refuses_is_a_config_error(region: str) -> None:
    with pytest.raises(ConfigError) as info:
        UnifiedConfig(aws_region=region)
    assert info.value.field == "aws_region"


def test_a_hostile_aws_region_variable_is_a_config_error_when_the_backend_is_built() -> None:
    with pytest.raises(ConfigError, match="aws_region"):
        BedrockBackend(UnifiedConfig(backend="bedrock"), environ={"AWS_REGION": "us east"})
