"""Schemathesis as a peer: the reference platform against every spec, as an outside tool reads them.

The suite's checks are written against the specs and judged on the
reference, so a mistake the two share (a spec that says less than the
reference does, a reference that answers outside its spec) goes unseen by
them. Schemathesis generates requests from each spec on its own terms
(boundary values, then fuzzing) and holds every answer to the spec: no 5xx,
a documented status, a documented media type, headers and a body that match
the schema. A mismatch is resolved in the spec or in the reference, never by
loosening a spec beyond its draft.

Left out on purpose: ``positive_data_acceptance`` (a schema-valid request
must succeed). The specs cannot say "an id this platform issued" or "a user
who exists", so a forged page token, an unknown recipient or bytes that do
not hash to their path are schema-valid and rightly refused.

The run is bounded (a few examples per operation and phase) and replays
exactly (a fixed seed, derandomised generation). It runs against every
named choice set of the reference. The findings it made once are replayed
below as plain requests, so they stay fixed even if generation changes.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import BaseSchema, Case
from schemathesis_support import CHECKS, USERS_BY_PATH

from conformance._harness.catalogue import Catalogue
from conformance.reference.choices import NAMED_SETS, choice_set
from conformance.reference.server import ReferencePlatform

STANDARDS = sorted(Catalogue.load().specs)
SEED = 20261204
# Per operation and phase; with boundary cases, about 700 requests a choice
# set. The point is a second reader of every spec on every run, not a long
# search: raise it locally to search longer. (Schemathesis runs Hypothesis
# without a deadline: a slow answer is not a failure here.)
MAX_EXAMPLES = 8
TIMEOUT = 30


@pytest.fixture(scope="module", params=NAMED_SETS)
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReferencePlatform]:
    """One reference platform per named choice set, shared by every spec."""
    name: str = request.param
    data_dir = tmp_path_factory.mktemp(f"schemathesis-{name}")
    with ReferencePlatform(data_dir, part_size=4096, choices=choice_set(name)) as running:
        yield running


class Callers:
    """Round-robin over the credentials (client, user) that may call each operation.

    The answer is then the operation's own, not a 403 for the wrong user, nor a
    429: the strictest choice set allows each credential 60 requests in 10 s,
    and spread over every credential the run stays under it. Anonymous
    operations get a token too, which they must ignore.
    """

    def __init__(self, platform: ReferencePlatform) -> None:
        self._identities = platform.identities
        self._turns: dict[tuple[str, ...], Iterator[tuple[str, str]]] = {}

    def headers(self, path: str, user: str | None = None) -> dict[str, str]:
        """The headers of the next credential in turn for ``path`` (of ``user``'s, if given)."""
        allowed = next(
            (users for prefix, users in USERS_BY_PATH.items() if path.startswith(prefix)),
            tuple(self._identities.users),
        )
        users = allowed if user is None else (user,)
        if users not in self._turns:
            roles = [(client, name) for name in users for client in self._identities.clients]
            self._turns[users] = itertools.cycle(roles)
        client, name = next(self._turns[users])
        return {
            **self._identities.clients[client],
            "Authorization": f"Bearer {self._identities.token(client, name)}",
        }


@pytest.fixture(scope="module")
def callers(platform: ReferencePlatform) -> Callers:
    """The platform's credentials, taken in turn."""
    return Callers(platform)


def _schema(standard: str) -> BaseSchema:
    """One standard's spec, generating a little and the same way every run.

    Operations with ``x-surface`` (CLOUD's S3 and OCI surfaces) are served at
    endpoints of their own, signed or challenged in their own ways, and
    answer in their own protocols: they are left out here, never sent to
    the base URL.
    """
    loaded = schemathesis.openapi.from_path(Catalogue.load().specs[standard].path).exclude(
        func=lambda ctx: "x-surface" in ctx.operation.definition.raw
    )
    loaded.config.seed = SEED
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    return loaded


@schemathesis.pytest.parametrize(**{standard: _schema(standard) for standard in STANDARDS})
def test_reference_answers_as_the_spec_documents(
    case: Case[Any], platform: ReferencePlatform, callers: Callers
) -> None:
    case.call_and_validate(
        base_url=platform.base_url,
        headers=callers.headers(case.operation.path),
        checks=CHECKS,
        timeout=TIMEOUT,
    )


# -- findings, replayed ----------------------------------------------------------------
# Each once made the reference answer 500 or outside its spec. The first came
# from schemathesis; the others from reading the code it pointed at, for the
# same kinds of input: text where digits were expected, numbers past the 4300
# digits int() accepts, JSON nested past Python's stack.

DIGITS = "9" * 5000
# Deeper than Python's recursion limit, smaller than every body cap (DISC's is 16 KiB).
NESTED = b"[" * 5000 + b"]" * 5000

Call = Callable[..., requests.Response]


@pytest.fixture
def call(platform: ReferencePlatform, callers: Callers) -> Call:
    """Sends one request; ``user=`` pins the user, else the credentials take turns."""

    def send(method: str, path: str, user: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {**callers.headers(path, user), **kwargs.pop("headers", {})}
        return requests.request(
            method, platform.base_url + path, headers=headers, timeout=TIMEOUT, **kwargs
        )

    return send


def assert_problem(response: requests.Response, statuses: tuple[int, ...], code: str) -> None:
    """An RFC 9457 problem with one of these statuses and this COMMON code."""
    assert response.status_code in statuses, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["code"]) == (response.status_code, code)


INVALID = (400, 422)  # COMMON lets INVALID be either


def test_a_non_ascii_signature_is_refused(platform: ReferencePlatform) -> None:
    """Schemathesis: ``sig=%C3%BF`` reached ``hmac.compare_digest`` as text, which raised.

    Refused as any altered URL is: 403 where part URLs are signed, 401 where
    they need credentials instead (``port.download_urls``).
    """
    for query in ("expires=9999999999&sig=%C3%BF", f"expires={DIGITS}&sig=00"):
        response = requests.get(
            f"{platform.base_url}/port/v1/parts/exp_0/1?{query}", timeout=TIMEOUT
        )
        code = "DENIED" if response.status_code == 403 else "UNAUTHENTICATED"
        assert_problem(response, (401, 403), code)


@pytest.mark.parametrize("path", ["/fair/v1/items", "/port/v1/changes"])
def test_a_limit_is_digits_and_a_large_one_is_lowered(call: Call, path: str) -> None:
    # "²" (%C2%B2) is a digit to str.isdigit(), not to int().
    assert_problem(call("GET", f"{path}?limit=%C2%B2"), INVALID, "INVALID")
    assert_problem(call("GET", f"{path}?limit=0"), INVALID, "INVALID")
    for limit in ("51", "1001", DIGITS):
        assert call("GET", f"{path}?limit={limit}").status_code == 200


def test_listing_items_past_the_maximum_serves_the_maximum(call: Call) -> None:
    """FAIR's spec: ``limit`` bounds a page, and a platform may serve fewer (its maximum)."""
    past = call("GET", "/fair/v1/items?limit=100000")
    at_most = call("GET", "/fair/v1/items?limit=50")
    assert past.status_code == at_most.status_code == 200, past.text
    assert [i["id"] for i in past.json()["items"]] == [i["id"] for i in at_most.json()["items"]]


@pytest.mark.parametrize(
    ("header", "status"),
    [(f"bytes={DIGITS}-", 416), (f"bytes=0-{DIGITS}", 206), (f"bytes=-{DIGITS}", 206)],
)
def test_a_range_past_any_size_is_answered(call: Call, header: str, status: int) -> None:
    data = b"bytes of a media file"
    sha = hashlib.sha256(data).hexdigest()
    put = call("PUT", f"/port/v1/media/{sha}", user="alice", data=data)
    assert put.status_code in (200, 201), put.text
    response = call("GET", f"/port/v1/media/{sha}", user="alice", headers={"Range": header})
    assert response.status_code == status, response.text[:300]
    if status == 206:
        assert response.content == data


@pytest.mark.parametrize(
    "path",
    [
        "/fair/v1/quotes",
        "/link/v1/resolve",
        "/link/v1/messages",
        "/link/v1/posts",
        "/disc/v1/pay-quotes",
        "/disc/v1/fee-quotes",
    ],
)
def test_json_nested_past_the_stack_is_refused(call: Call, path: str) -> None:
    response = call("POST", path, data=NESTED, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/link/v1/resolve", {"url": "", "context": "message"}),
        ("/link/v1/messages", {"to": "", "text": "hello"}),
    ],
)
def test_an_empty_url_or_recipient_is_invalid(call: Call, path: str, body: dict[str, str]) -> None:
    """LINK's spec: ``url`` and ``to`` have ``minLength: 1``; the reference refuses ``""``."""
    assert_problem(call("POST", path, json=body), INVALID, "INVALID")


def test_a_quantity_written_with_a_zero_fraction_is_that_integer(call: Call) -> None:
    """JSON has one number type: ``2.0`` is the integer 2, and the spec's schema agrees."""
    item = call("GET", "/fair/v1/items?limit=1").json()["items"][0]["id"]
    as_float = call(
        "POST",
        "/fair/v1/quotes",
        data=f'{{"item_id": "{item}", "quantity": 2.0}}',
        headers={"Content-Type": "application/json"},
    )
    as_int = call("POST", "/fair/v1/quotes", json={"item_id": item, "quantity": 2})
    assert as_float.status_code == as_int.status_code, as_float.text
    assert as_int.status_code in (200, 201), as_int.text  # fair.quote_status
    fields = ("item_id", "quantity", "unit_price", "total", "currency", "applied_rules")
    assert [as_float.json()[f] for f in fields] == [as_int.json()[f] for f in fields]
