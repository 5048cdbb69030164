"""The one place the library reads the process environment.

:meth:`Environment.read` takes the variables the backends use (``MLFLOW_GATEWAY_URI``,
the AWS credential/profile/region variables, the provider key variables of
:data:`PROVIDER_KEY_ENV`, ``UNIFIED_ALLOW_MOCK``) into one frozen value, once;
backend selection and the backends read that value, never ``os.environ``.
:func:`process_environ` (also used by :meth:`unified.UnifiedConfig.from_env` for the
``UNIFIED_*`` variables) and :func:`set_default` are the only references to
``os.environ`` in the library.
:meth:`Environment.resolve` folds what the environment says about a config's own
fields into the config (``MLFLOW_GATEWAY_URI`` into ``gateway_uri``), so a backend
gets it from the resolved config.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ._config import UnifiedConfig

__all__ = ["Environment", "PROVIDER_KEY_ENV", "environment", "process_environ", "set_default"]

#: litellm provider prefix -> the environment variable holding its API key.
PROVIDER_KEY_ENV: Mapping[str, str] = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY", "groq": "GROQ_API_KEY", "cohere": "COHERE_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY", "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY", "xai": "XAI_API_KEY", "azure": "AZURE_API_KEY",
    "fireworks_ai": "FIREWORKS_AI_API_KEY", "perplexity": "PERPLEXITYAI_API_KEY",
}
_AWS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_REGION", "AWS_DEFAULT_REGION")


def process_environ() -> Mapping[str, str]:
    """The process environment (``os.environ``): the library's only reference to it."""
    return os.environ


def set_default(name: str, value: str) -> None:
    """Set process variable ``name`` to ``value`` unless it is set (for an SDK that reads
    its settings from the environment, such as litellm's offline mode)."""
    os.environ.setdefault(name, value)


def environment(environ: Mapping[str, str] | Environment | None = None) -> Environment:
    """``environ`` as an :class:`Environment` (read once; an ``Environment`` as is)."""
    return environ if isinstance(environ, Environment) else Environment.read(environ)


def _set(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name) or None


@dataclass(frozen=True)
class Environment:
    """The environment variables the backends use, read once (empty values as unset).

    ``variables`` keeps the AWS and provider-key variables that are set, by name (their
    values are secrets: never shown). ``repr`` shows the names only.
    """

    gateway_uri: str | None = None
    allow_mock: str = ""
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """The variables of ``environ`` (default: the process environment)."""
        env = process_environ() if environ is None else environ
        names = (*_AWS, *PROVIDER_KEY_ENV.values())
        return cls(gateway_uri=_set(env, "MLFLOW_GATEWAY_URI"),
                   allow_mock=env.get("UNIFIED_ALLOW_MOCK", ""),
                   variables={n: env[n] for n in names if env.get(n)})

    def get(self, name: str) -> str | None:
        """The value of AWS or provider-key variable ``name`` when it is set."""
        return self.variables.get(name)

    @property
    def aws_credentials(self) -> dict[str, str] | None:
        """``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (+ session token) when both
        are set, as boto3 session keywords."""
        key, secret = self.get("AWS_ACCESS_KEY_ID"), self.get("AWS_SECRET_ACCESS_KEY")
        if not (key and secret):
            return None
        found = {"aws_access_key_id": key, "aws_secret_access_key": secret,
                 "aws_session_token": self.get("AWS_SESSION_TOKEN")}
        return {k: v for k, v in found.items() if v}

    @property
    def aws_region(self) -> tuple[str, str] | None:
        """``(region, variable)`` from ``AWS_REGION``, else ``AWS_DEFAULT_REGION``."""
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            value = self.get(name)
            if value:
                return value, name
        return None

    def provider_key(self, provider: str | None) -> tuple[str | None, str | None]:
        """``(variable, value)`` of ``provider``'s key variable (value None when unset)."""
        var = PROVIDER_KEY_ENV.get(provider or "")
        return var, self.get(var) if var else None

    def resolve(self, config: UnifiedConfig) -> UnifiedConfig:
        """``config`` with what the environment sets for its own fields filled in:
        ``gateway_uri`` from ``MLFLOW_GATEWAY_URI`` when the config has none."""
        if config.gateway_uri is None and self.gateway_uri:
            return dataclasses.replace(config, gateway_uri=self.gateway_uri)
        return config
