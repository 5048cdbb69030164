"""The process environment is read in one place, into one frozen value."""

from __future__ import annotations

import ast
from pathlib import Path

from unified import UnifiedConfig
from unified._environment import Environment

PACKAGE = Path(__file__).resolve().parents[2] / "unified"


def _references_os_environ(path: Path) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
               and isinstance(node.value, ast.Name) and node.value.id == "os"
               for node in ast.walk(ast.parse(path.read_text())))


def test_only_the_environment_module_touches_os_environ() -> None:
    readers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if _references_os_environ(p))
    assert readers == ["_environment.py"]


def test_an_empty_variable_counts_as_unset() -> None:
    env = Environment.read({"MLFLOW_GATEWAY_URI": "", "OPENAI_API_KEY": "",
                            "AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert env.gateway_uri is None
    assert env.provider_key("openai") == ("OPENAI_API_KEY", None)
    assert env.aws_region == ("eu-west-1", "AWS_DEFAULT_REGION")


def test_the_repr_shows_no_secret_value() -> None:
    env = Environment.read({"AWS_SECRET_ACCESS_KEY": "very-secret", "OPENAI_API_KEY": "sk-x"})
    assert "very-secret" not in repr(env) and "sk-x" not in repr(env)


def test_resolving_fills_the_gateway_uri_only_when_the_config_has_none() -> None:
    env = Environment.read({"MLFLOW_GATEWAY_URI": "http://127.0.0.1:9"})
    assert env.resolve(UnifiedConfig()).gateway_uri == "http://127.0.0.1:9"
    own = UnifiedConfig(gateway_uri="http://127.0.0.1:8")
    assert env.resolve(own) is own
