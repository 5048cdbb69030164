"""Recorded traffic: vcrpy cassettes for HTTP, a cassette-backed moto responder for Bedrock.

Conventions (pytest-recording's): replay is the default and nothing reaches the network
(``record_mode="none"``: a request without a recorded match fails); recording is an
explicit step (``make record``). Requests match on method, path and canonical JSON body
(not host or port: servers move). Credentials and SigV4 headers never reach a cassette.
"""

from .files import CassetteError, read_cassette
from .http import CASSETTE_DIR, WireLog, http_replay, json_body_matcher, make_vcr
from .lint import CassetteProblem, lint_cassettes, scan_for_secrets

__all__ = ["CassetteError", "read_cassette", "CASSETTE_DIR", "WireLog", "http_replay", "json_body_matcher", "make_vcr",
           "CassetteProblem", "lint_cassettes", "scan_for_secrets"]
