"""Backend selection: explicit types, and AUTO detection that explains its choice.

``select_backend(config, environ)`` returns ``(backend, reason)``. For
``BackendType.AUTO`` the first rule that matches wins, in this order:

1. **gateway** when ``config.gateway_uri`` or ``MLFLOW_GATEWAY_URI`` is set;
2. **bedrock** when AWS credentials resolve (``config.aws_access_key_id`` +
   ``aws_secret_access_key``, ``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY``, or a
   profile: ``config.aws_profile`` / ``AWS_PROFILE``), a region resolves
   (``config.aws_region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``) and ``config.model`` is
   a Bedrock id or friendly name. Only these settings are read: boto3's full credential
   chain (which may query instance metadata over the network) is never consulted;
3. **direct** when the model names a provider (``provider/…`` or a well-known bare name
   such as ``gpt-…``/``claude-…``) and ``config.api_key`` or that provider's key variable
   is set (``OPENAI_API_KEY`` for ``openai/…``, ``ANTHROPIC_API_KEY`` for
   ``anthropic/…``, …);
4. **mock** only when ``UNIFIED_ALLOW_MOCK=1``.

Otherwise a :class:`~unified._errors.ConfigError` lists what would select each backend,
and what was found but not enough (e.g. AWS credentials with a non-Bedrock model).
The reason string names the settings that decided, never their secret values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._config import BackendType, UnifiedConfig
from .._environment import PROVIDER_KEY_ENV, Environment, environment
from .._errors import ConfigError
from .bedrock_models import is_bedrock_model
from .direct import provider_of

__all__ = ["select_backend", "build_backend", "HOW_TO_SELECT", "AUTO_ORDER"]

HOW_TO_SELECT = {
    "gateway": "set MLFLOW_GATEWAY_URI (or config.gateway_uri)",
    "bedrock": "resolve AWS credentials (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, "
               "AWS_PROFILE, or config.aws_* credentials/profile) and a region "
               "(AWS_REGION, AWS_DEFAULT_REGION or config.aws_region) with a Bedrock model "
               "id or friendly name",
    "direct": "set the provider API key for the model (OPENAI_API_KEY for openai/..., "
              "ANTHROPIC_API_KEY for anthropic/..., ...) or config.api_key",
    "mock": "set UNIFIED_ALLOW_MOCK=1 or backend='mock'",
}
#: The order AUTO tries the backends in.
AUTO_ORDER = (BackendType.GATEWAY, BackendType.BEDROCK, BackendType.DIRECT, BackendType.MOCK)
_TRUE = ("1", "true", "yes", "on")


def build_backend(kind: BackendType, config: UnifiedConfig,
                  environ: Mapping[str, str] | Environment | None = None) -> Any:
    """Construct the backend of ``kind`` from ``config`` (heavy SDKs imported lazily).

    ``AUTO`` runs the detection of :func:`select_backend`.
    """
    kind = BackendType(kind)
    environ = environment(environ)
    if kind is BackendType.AUTO:
        return select_backend(config, environ)[0]
    if kind is BackendType.MOCK:
        from .mock import MockBackend

        return MockBackend(model=config.model)
    if kind is BackendType.GATEWAY:
        from .gateway import GatewayBackend

        return GatewayBackend(config, environ=environ)
    if kind is BackendType.BEDROCK:
        from .bedrock import BedrockBackend

        return BedrockBackend(config, environ=environ)
    from .direct import DirectBackend

    return DirectBackend(config, environ=environ)


def _gateway_rule(config: UnifiedConfig, env: Environment) -> tuple[str | None, str]:
    if config.gateway_uri:
        return "config.gateway_uri is set", ""
    if env.gateway_uri:
        return "MLFLOW_GATEWAY_URI is set", ""
    return None, ""


def _aws_credentials(config: UnifiedConfig, env: Environment) -> str | None:
    if config.aws_access_key_id and config.aws_secret_access_key:
        return "config.aws_access_key_id/aws_secret_access_key"
    if env.aws_credentials:
        return "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    if config.aws_profile:
        return f"config.aws_profile={config.aws_profile}"
    profile = env.get("AWS_PROFILE")
    if profile:
        return f"AWS_PROFILE={profile}"
    return None


def _aws_region(config: UnifiedConfig, env: Environment) -> str | None:
    if config.aws_region:
        return f"{config.aws_region} from config.aws_region"
    found = env.aws_region
    return f"{found[0]} from {found[1]}" if found else None


def _bedrock_rule(config: UnifiedConfig, env: Environment) -> tuple[str | None, str]:
    creds, region = _aws_credentials(config, env), _aws_region(config, env)
    bedrock_model = is_bedrock_model(config.model)
    if creds and region and bedrock_model:
        return (f"AWS credentials from {creds}, region {region}, and model "
                f"{config.model!r} is a Bedrock model"), ""
    if not (creds or region):
        return None, ""
    missing = [what for what, ok in (("AWS credentials", creds), ("a region", region),
                                     (f"a Bedrock model (got {config.model!r})", bedrock_model))
               if not ok]
    return None, "bedrock was not selected: missing " + ", ".join(missing)


def _direct_rule(config: UnifiedConfig, env: Environment) -> tuple[str | None, str]:
    provider = provider_of(config.model)
    if config.api_key and provider:
        return f"config.api_key is set for model {config.model!r}", ""
    if config.api_key:
        return None, (f"direct was not selected: config.api_key is set but model "
                      f"{config.model!r} has no provider/ prefix litellm knows")
    key_var, key = env.provider_key(provider)
    if key_var and key:
        return f"{key_var} is set for provider {provider!r} of model {config.model!r}", ""
    found = sorted(var for var in PROVIDER_KEY_ENV.values() if env.get(var))
    if found:
        return None, (f"direct was not selected: {', '.join(found)} is set but model "
                      f"{config.model!r} needs {key_var or 'a provider/ prefix litellm knows'}")
    return None, ""


def _mock_rule(config: UnifiedConfig, env: Environment) -> tuple[str | None, str]:
    if env.allow_mock.strip().lower() in _TRUE:
        return "UNIFIED_ALLOW_MOCK=1", ""
    return None, ""


_RULES: dict[BackendType, Callable[[UnifiedConfig, Environment],
                                   tuple[str | None, str]]] = {
    BackendType.GATEWAY: _gateway_rule, BackendType.BEDROCK: _bedrock_rule,
    BackendType.DIRECT: _direct_rule, BackendType.MOCK: _mock_rule}


def detect_backend(config: UnifiedConfig, environ: Mapping[str, str] | Environment | None = None
                   ) -> tuple[BackendType, str]:
    """The backend type AUTO would select and why, without building it.

    Raises :class:`ConfigError` listing what would select each backend when none matches.
    """
    env = environment(environ)
    near_misses: list[str] = []
    for kind in AUTO_ORDER:
        reason, near_miss = _RULES[kind](config, env)
        if reason is not None:
            return kind, f"auto: {kind.value} because {reason}"
        if near_miss:
            near_misses.append(near_miss)
    lines = "; ".join(f"{kind}: {how}" for kind, how in HOW_TO_SELECT.items())
    found = (" Found: " + "; ".join(near_misses) + ".") if near_misses else ""
    raise ConfigError("backend=auto found no usable backend. To select one: " + lines + "."
                      + found, field="backend", value="auto")


def select_backend(config: UnifiedConfig, environ: Mapping[str, str] | Environment | None = None
                   ) -> tuple[Any, str]:
    """Pick and build the backend for ``config``; return it with the reason it was chosen."""
    env = environment(environ)
    if config.backend is not BackendType.AUTO:
        return (build_backend(config.backend, config, env),
                f"configured: backend={config.backend.value}")
    kind, reason = detect_backend(config, env)
    return build_backend(kind, config, env), reason
