"""Replay: secrets never reach a cassette; a miss names the closest request and the diff."""

from __future__ import annotations

import httpx
import pytest
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from harness.parity.replay import http as replay_http
from harness.parity.replay.lint import lint_cassettes, scan_for_secrets
from harness.stack.upstream import Reply

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def cassette_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(replay_http, "CASSETTE_DIR", tmp_path)
    return tmp_path


def post(url: str, body: dict, token: str = "sk-secret-token-123456") -> httpx.Response:
    with httpx.Client() as client:
        return client.post(url, json=body, headers={"Authorization": f"Bearer {token}",
                                                    "x-amz-date": "20260101T000000Z"})


def test_recording_filters_credentials_and_volatile_fields(cassette_dir, upstream) -> None:
    upstream.script(Reply("hi"))
    body = {"model": "m", "messages": [{"role": "user", "content": "q"}]}
    with replay_http.http_replay("t.yaml", "direct", record=True):
        post(upstream.base_url + "/chat/completions", body)
    text = (cassette_dir / "t.yaml").read_text()
    assert scan_for_secrets(text, ["sk-secret-token-123456"]) == []
    assert "x-amz-date" not in text and "127.0.0.1" not in text
    response = yaml.safe_load(text)["interactions"][0]["response"]["body"]["string"]
    assert '"id": "recorded-id"' in response and '"created": 0' in response


def test_replay_matches_on_path_and_json_body_not_host(cassette_dir, upstream) -> None:
    upstream.script(Reply("recorded answer"))
    body = {"model": "m", "messages": [{"role": "user", "content": "q"}]}
    with replay_http.http_replay("t.yaml", "direct", record=True):
        post(upstream.base_url + "/chat/completions", body)
    with replay_http.http_replay("t.yaml", "direct") as log:
        answer = post("http://127.0.0.1:9/v1/chat/completions", dict(reversed(body.items())))
    assert answer.json()["choices"][0]["message"]["content"] == "recorded answer"
    assert [e.short() for e in log.events] == ["POST /v1/chat/completions -> 200"]
    assert log.played == {0}


def test_a_miss_names_the_closest_request_and_the_differing_field(cassette_dir,
                                                                  upstream) -> None:
    upstream.script(Reply("x"))
    with replay_http.http_replay("t.yaml", "direct", record=True):
        post(upstream.base_url + "/chat/completions", {"model": "m", "temperature": 0.1})
    with replay_http.http_replay("t.yaml", "direct") as log:
        with pytest.raises(CannotOverwriteExistingCassetteException):
            post("http://127.0.0.1:9/v1/chat/completions", {"model": "m", "temperature": 0.9})
    assert len(log.misses) == 1
    assert "closest recorded: POST /v1/chat/completions" in log.misses[0]
    assert "temperature: 0.1 != 0.9" in log.misses[0]


def test_lint_reports_secrets_unused_cassettes_and_unplayed_interactions(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"interactions": [{}, {}]}))
    (tmp_path / "b.yaml").write_text("interactions: []\nauth: Bearer abcdefghijklmnop\n")
    problems = {(p.path, p.kind) for p in lint_cassettes({"a.yaml": {0}}, directory=tmp_path)}
    assert problems == {("a.yaml", "unused interactions"), ("b.yaml", "secret"),
                        ("b.yaml", "unused cassette")}


@pytest.mark.parametrize("text", ["Authorization: Bearer abcdefghijkl123",
                                  "key sk-abcdefghijklmnop", "AKIAABCDEFGHIJKLMNOP",
                                  "Signature=" + "a" * 64])
def test_secret_patterns_find_each_kind_of_credential(text: str) -> None:
    assert scan_for_secrets(text)
