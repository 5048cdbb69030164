"""Regression: custom validators are in the cache key by what they do, not by name.

On main every unregistered validator entered the key as ``<unregistered <lambda>>``, so
two services sharing a disk cache with ``lambda t: True`` and ``lambda t: False`` (or one
function whose body changed between deploys) shared entries, and an answer the stricter
rules reject was served from the cache.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unified import (
    CacheConfig,
    MockBackend,
    UnifiedConfig,
    UnifiedDSPyWrapper,
    ValidationConfig,
    ValidationError,
)


def _answer(directory: Path, validator: object) -> tuple[str, int]:
    backend = MockBackend([{"answer": "forty-two"}] * 3)
    config = UnifiedConfig(backend="mock", cache=CacheConfig(directory=str(directory)),
                           validation=ValidationConfig(validators=(validator,)))
    with UnifiedDSPyWrapper(config, backend=backend) as wrapper:
        answer = wrapper.create_module("question -> answer").predict(question="q").answer
    return answer, backend.call_count


def test_a_stricter_lambda_is_not_served_the_answer_a_lenient_lambda_stored(
        tmp_path: Path) -> None:
    assert _answer(tmp_path, lambda t: True) == ("forty-two", 1)
    with pytest.raises(ValidationError):
        _answer(tmp_path, lambda t: False)


def test_the_same_validator_shares_the_disk_cache(tmp_path: Path) -> None:
    def lenient(text: str) -> bool:
        return True

    _answer(tmp_path, lenient)
    assert _answer(tmp_path, lenient) == ("forty-two", 0)


_FINGERPRINT = """
import sys
sys.path.insert(0, {dir!r})
import deployed_rules
from unified._validators import validator_fingerprint
print(validator_fingerprint(deployed_rules.accept))
"""


def _fingerprint_in_new_process(tmp_path: Path, body: str) -> str:
    (tmp_path / "deployed_rules.py").write_text(f"def accept(text):\n    return {body}\n")
    code = _FINGERPRINT.format(dir=str(tmp_path))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_function_whose_body_changed_between_deploys_gets_a_new_key(tmp_path: Path) -> None:
    before = _fingerprint_in_new_process(tmp_path, "'ok' in text")
    again = _fingerprint_in_new_process(tmp_path, "'ok' in text")
    after = _fingerprint_in_new_process(tmp_path, "'ok' in text and len(text) < 9")
    assert before == again and before != after
