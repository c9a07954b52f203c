"""COMMON on the reference platform: discovery, problems, rate limits, deprecations."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from reference_support import TIMEOUT, Api, assert_problem
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from conformance.common.problems import problem_codes
from conformance.reference import ReferencePlatform, generate_identities
from conformance.reference.app import ReferenceApp
from conformance.reference.ratelimit import FixedWindowLimiter
from conformance.reference.routing import Claim, Context, Route
from conformance.reference.server import ServingThread

CODES = problem_codes()


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_discovery_is_anonymous_and_claims_port(platform: ReferencePlatform) -> None:
    response = requests.get(platform.base_url + "/.well-known/interop", timeout=TIMEOUT)
    assert response.status_code == 200
    assert "RateLimit" not in response.headers  # anonymous: no credential to count
    body = response.json()
    assert body["platform"] == "reference"
    assert {
        "id": "PORT",
        "version": "1.0",
        "profiles": ["core", "continuous", "resumable"],
    } in body["standards"]
    assert {k: v for k, v in body["limits"].items() if k.startswith("port.")} == {
        "port.max_export_seconds": 10,
        "port.exports_per_day": 50,
        "port.max_import_records": 10000,
        "port.signed_url_seconds": 900,
    }


def test_discovery_lists_one_live_and_one_sunset_deprecation(platform: ReferencePlatform) -> None:
    body = requests.get(platform.base_url + "/.well-known/interop", timeout=TIMEOUT).json()
    entries = {entry["path"]: entry for entry in body["deprecations"]}
    now = datetime.now().astimezone()
    jobs, job = entries["/port/v1/jobs"], entries["/port/v1/jobs/{id}"]
    assert jobs["method"] == job["method"] == "GET"
    assert jobs["successor"] == "/port/v1/exports"
    assert job["successor"] == "/port/v1/exports/{id}"
    assert _parse(jobs["deprecated_at"]) < now < _parse(jobs["sunset_at"])
    assert _parse(jobs["sunset_at"]) - now > timedelta(days=59)
    assert _parse(job["sunset_at"]) < now
    for entry in (jobs, job):
        assert _parse(entry["sunset_at"]) - _parse(entry["deprecated_at"]) >= timedelta(days=15)


def test_unknown_route_is_a_not_found_problem(platform: ReferencePlatform, alice: Api) -> None:
    assert_problem(requests.get(platform.base_url + "/nope", timeout=TIMEOUT), 404, "NOT_FOUND")
    with_token = alice.get("/port/v1/nope")
    assert_problem(with_token, 404, "NOT_FOUND")
    assert "RateLimit" in with_token.headers


def test_wrong_method_is_unsupported_with_allow(alice: Api) -> None:
    response = alice.request("PATCH", "/port/v1/exports")
    assert_problem(response, 405, "UNSUPPORTED")
    assert set(re.split(r",\s*", response.headers["Allow"])) >= {"GET", "POST"}


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic YTpi", "Bearer "])
def test_missing_or_bad_token_is_unauthenticated(
    platform: ReferencePlatform, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.get(
        platform.base_url + "/port/v1/exports", headers=headers, timeout=TIMEOUT
    )
    assert_problem(response, 401, "UNAUTHENTICATED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_problem_code_is_from_common(alice: Api) -> None:
    for response in (
        alice.get("/port/v1/exports/missing"),
        alice.delete("/port/v1/records/missing"),
        alice.get("/port/v1/changes", params={"cursor": "!!"}),
        alice.put("/port/v1/media/" + "0" * 64, data=b"x"),
    ):
        assert response.json()["code"] in CODES


def test_authenticated_answers_carry_rate_limit_headers(alice: Api) -> None:
    first = alice.get("/port/v1/exports")
    second = alice.get("/port/v1/exports/unknown")
    for response in (first, second):
        assert response.headers["RateLimit-Policy"] == '"default";q=5000;w=60'
        assert re.fullmatch(r'"default";r=\d+;t=\d+', response.headers["RateLimit"])
    remaining = [
        int(re.search(r"r=(\d+)", r.headers["RateLimit"]).group(1))  # type: ignore[union-attr]
        for r in (first, second)
    ]
    # Same window unless the minute turned between the two requests.
    assert remaining[1] < remaining[0] or remaining[1] >= 4998


def test_quota_exceeded_answers_429_per_credential(tmp_path: Path) -> None:
    with ReferencePlatform(tmp_path, rate_quota=3, rate_window=60) as small:
        alice = Api(small, "first_party", "alice")
        answers = [alice.get("/port/v1/exports") for _ in range(4)]
        statuses = [a.status_code for a in answers]
        # A window may turn over mid-test; then the count starts again.
        if statuses != [200, 200, 200, 429]:
            answers = [alice.get("/port/v1/exports") for _ in range(4)]
            statuses = [a.status_code for a in answers]
        assert statuses == [200, 200, 200, 429]
        limited = assert_problem(answers[-1], 429, "TOO_MANY_REQUESTS")
        assert limited["status"] == 429
        assert int(answers[-1].headers["Retry-After"]) >= 1
        assert answers[-1].headers["RateLimit"].startswith('"default";r=0;')
        # The quota is per credential: the same user through another client,
        # and another user through the same client, still pass.
        assert Api(small, "third_party", "alice").get("/port/v1/exports").status_code == 200
        assert Api(small, "first_party", "bob").get("/port/v1/exports").status_code == 200


def test_deprecated_jobs_list_answers_like_exports_with_headers(
    platform: ReferencePlatform, alice: Api
) -> None:
    discovery = requests.get(platform.base_url + "/.well-known/interop", timeout=TIMEOUT).json()
    entry = next(e for e in discovery["deprecations"] if e["path"] == "/port/v1/jobs")
    legacy = alice.get("/port/v1/jobs")
    current = alice.get("/port/v1/exports")
    assert legacy.status_code == 200
    assert legacy.json() == current.json()
    anonymous = requests.get(platform.base_url + "/port/v1/jobs", timeout=TIMEOUT)
    assert_problem(anonymous, 401, "UNAUTHENTICATED")
    for response in (legacy, anonymous):
        assert (
            response.headers["Deprecation"] == f"@{int(_parse(entry['deprecated_at']).timestamp())}"
        )
        sunset = email.utils.parsedate_to_datetime(response.headers["Sunset"])
        assert sunset == _parse(entry["sunset_at"])
    assert "Deprecation" not in current.headers


def test_sunset_job_answers_410_with_successor_link(
    platform: ReferencePlatform, alice: Api
) -> None:
    for response in (
        alice.get("/port/v1/jobs/exp_123"),
        requests.get(platform.base_url + "/port/v1/jobs/exp_123", timeout=TIMEOUT),
    ):
        assert_problem(response, 410, "GONE")
        assert response.headers["Link"] == '</port/v1/exports/exp_123>; rel="successor-version"'


class _Failing:
    """A module whose handler fails, to see what the application makes of it."""

    def routes(self) -> Sequence[Route]:
        return [Route("/boom", ("GET",), self._boom, anonymous=True)]

    def claims(self) -> Sequence[Claim]:
        return []

    def limits(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        pass

    def _boom(self, ctx: Context) -> Response:
        raise RuntimeError("deliberate failure")


@pytest.fixture
def failing_server() -> Iterator[str]:
    app = ReferenceApp([_Failing()], generate_identities(), FixedWindowLimiter(10, 60))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = ServingThread(server, "failing")
    serving.start()
    yield f"http://127.0.0.1:{server.server_port}"
    serving.stop()


def test_unhandled_error_is_an_internal_problem(
    failing_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("CRITICAL"):
        response = requests.get(failing_server + "/boom", timeout=TIMEOUT)
    body = assert_problem(response, 500, "INTERNAL")
    assert "deliberate" not in body["detail"]  # internals stay internal
