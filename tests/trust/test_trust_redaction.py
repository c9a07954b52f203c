"""The redactor: every form of a secret, in text and in bytes, whole or cut."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from conformance._harness.errors import Mismatch, render_rows
from conformance._harness.evidence import EXCERPT_BYTES, Body
from conformance._harness.results import (
    CheckResult,
    Outcome,
    RequirementInfo,
    RequirementResult,
    RunResult,
)
from conformance._harness.scrub import scrubbed
from conformance._harness.secrets import REDACTED, Redactor, Secret

TOKEN = "tok/Zk3JdQ9s+Pq_7aLmNbVcXyW2=="
REDACTOR = Redactor([Secret(TOKEN), Secret("s3-secret-key-0123456789abcdef")])


@pytest.mark.parametrize(
    "form",
    [
        TOKEN,
        quote(TOKEN, safe=""),
        json.dumps(TOKEN)[1:-1],
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(b"x" + TOKEN.encode()).decode(),
        base64.b64encode(b"xy" + TOKEN.encode()).decode(),
        base64.urlsafe_b64encode(TOKEN.encode()).decode(),
    ],
    ids=["raw", "url", "json", "base64", "base64+1", "base64+2", "base64url"],
)
def test_every_form_of_a_secret_is_redacted_in_text_and_bytes(form: str) -> None:
    text = f"before {form} after"
    assert TOKEN not in REDACTOR.text(text) and REDACTED in REDACTOR.text(text)
    assert form.encode() not in REDACTOR.bytes(text.encode())


def test_a_secret_in_a_body_of_another_encoding_is_redacted_in_its_bytes() -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        body = f'{{"echo": "{TOKEN}"}}'.encode(encoding)
        assert TOKEN.encode(encoding) not in REDACTOR.bytes(body)
    latin = b"\xff\xfe" + TOKEN.encode() + b"\xff"
    assert REDACTOR.bytes(latin) == b"\xff\xfe" + REDACTED.encode() + b"\xff"


@pytest.mark.parametrize("kept", [12, 20, len(TOKEN) - 1])
def test_what_a_cut_leaves_of_a_secret_is_redacted(kept: int) -> None:
    assert TOKEN[:kept] not in REDACTOR.text(f"x {TOKEN[:kept]}...")
    assert TOKEN[-kept:] not in REDACTOR.text(f"...{TOKEN[-kept:]} x")


def test_a_finding_row_cut_across_a_secret_leaves_none_of_it() -> None:
    received = "a" * 180 + TOKEN + "b" * 50  # the row shows 197 characters, then "..."
    shown = "\n".join(render_rows([Mismatch("$.id", "an id", received)]))
    assert TOKEN[:17] in shown  # the cut left the token's start ...
    assert TOKEN[:12] not in REDACTOR.text(shown)  # ... which the redactor removes


def test_header_names_and_values_are_redacted_and_none_is_lost() -> None:
    headers = {
        f"X-Echo-{TOKEN}": "1",
        f"X-Other-{TOKEN}": "2",
        "Authorization": "Basic abc",
        "Set-Cookie": "session=abc",
        "X-Echo": f"Bearer {TOKEN}",
    }
    redacted = REDACTOR.headers(headers)
    assert redacted == {
        f"X-Echo-{REDACTED}": "1",
        f"X-Other-{REDACTED}": "2",
        "Authorization": REDACTED,
        "Set-Cookie": REDACTED,
        "X-Echo": f"Bearer {REDACTED}",
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example/p?expires=1&sig=abcdef0123",
        "https://cdn.example/p?X-Amz-Signature=abcdef0123&X-Amz-Expires=60",
        "https://a.example/r?next=https%3A%2F%2Fcdn.example%2Fp%3Fx%3D1%26sig%3Dabcdef0123",
        "<a href='https://cdn.example/p?x=1&amp;sig=abcdef0123'>",
    ],
)
def test_a_signed_urls_signature_is_redacted_wherever_it_is_written(url: str) -> None:
    assert "abcdef0123" not in REDACTOR.text(f"fetched {url}: 403")
    assert b"abcdef0123" not in REDACTOR.bytes(url.encode())


def test_an_excerpt_is_redacted_before_it_is_cut() -> None:
    body = b"a" * (EXCERPT_BYTES - 10) + TOKEN.encode() + b"z" * 100
    excerpt = Body.of(body).to_json(REDACTOR)
    assert excerpt["text"].endswith("a" + REDACTED)
    assert TOKEN[:8] not in excerpt["text"]


def test_an_excerpt_cut_inside_a_character_is_text_redacted() -> None:
    body = TOKEN.encode() + b"b" * (EXCERPT_BYTES - 1 - len(REDACTED)) + "é".encode() + b"tail"
    excerpt = Body.of(body).to_json(REDACTOR)
    assert excerpt["text"] == REDACTED + "b" * (EXCERPT_BYTES - 1 - len(REDACTED))


def test_a_body_that_is_not_utf8_is_redacted_before_base64() -> None:
    excerpt = Body.of(b"\xff" + TOKEN.encode() + b"\xfe").to_json(REDACTOR)
    assert base64.b64decode(excerpt["base64"]) == b"\xff" + REDACTED.encode() + b"\xfe"


def test_a_runs_result_is_scrubbed_of_secrets_everywhere_a_reporter_reads() -> None:
    info = RequirementInfo("C-001", "COMMON", "1.0", "MUST", "core", "text", "source")
    check = CheckResult("C-001", "check", Outcome.FAIL, f"answered {TOKEN}", evidence=("ex-1",))
    result = RunResult(
        "run",
        "0",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:01Z",
        {"name": "t", "base_url": "http://127.0.0.1:1"},
        {"standards": [], TOKEN: [f"see ?sig={TOKEN[:5]}"]},
        [],
        1,
        requirements=[
            RequirementResult(info, Outcome.FAIL, f"got https://x/?a=1&sig=zz {TOKEN}", (check,))
        ],
        notes=[TOKEN],
        discovery_problem=TOKEN,
    )
    text = json.dumps(scrubbed(result, REDACTOR).to_json())
    assert TOKEN not in text and "sig=zz" not in text and f"sig={TOKEN[:5]}" not in text
    assert text.count(REDACTED) >= 6


def test_values_too_short_to_be_told_from_text_are_left_alone() -> None:
    assert Redactor([Secret("abc")]).text("abc") == "abc"


def test_a_remembered_redaction_is_the_redaction() -> None:
    """Redactions of short texts are remembered (``Redactor.text``): asked again, after
    the memory filled and was emptied, or for a text too long to remember, the answer is
    what a redactor that never saw the text gives."""
    secrets = [Secret(TOKEN), Secret("s3-secret-key-0123456789abcdef")]
    seasoned, fresh = Redactor(secrets), Redactor(secrets)
    texts = [
        f"Bearer {TOKEN}",
        quote(TOKEN, safe=""),
        base64.b64encode(b"x" + TOKEN.encode()).decode(),
        f"{TOKEN[:14]}...",
        "https://h.example/p?X-Amz-Signature=abcdef0123&sig=zz",
        "Werkzeug/3.1.9 Python/3.11.7",
        f"{'a' * 600} {TOKEN}",  # past what is remembered
    ]
    for _ in range(2):
        for n in range(5000):  # more than are remembered: the memory is emptied on the way
            seasoned.text(f"filler {n}")
        for text in texts:
            assert seasoned.text(text) == fresh._redact(text)
            assert TOKEN not in seasoned.text(text)
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Echo": TOKEN, "Server": "w"}
    assert seasoned.headers(headers) == seasoned.headers(headers) == fresh.headers(headers)
