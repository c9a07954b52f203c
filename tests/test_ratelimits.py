"""The one RateLimit grammar (both syntaxes C-004 accepts) and the pacer built on it."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import DeadlineExceeded
from conformance._harness.evidence import EvidenceLog
from conformance._harness.probe import Probe, Transport
from conformance._harness.secrets import Redactor
from conformance._harness.target import Role
from conformance._harness.validation import validator_for
from conformance.common.ratelimits import (
    Policy,
    QuotaPacer,
    Window,
    parse_policies,
    parse_windows,
    valid_pair,
)
from conformance.common.structured_fields import (
    Date,
    Item,
    SFError,
    _item,
    _parse,
    _plain_list,
    parse_dictionary,
    parse_item,
    parse_list,
)
from conformance.fair.quota import ratelimit_state, stated_policies
from conformance.reference.choices import choice_set
from conformance.reference.choices.common import RATE_QUOTA, RATELIMIT_SYNTAX, RETRY_AFTER
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("limit=100, remaining=50, reset=30", [Window(50, 30, 100)]),
        ("remaining=50,reset=30,limit=100", [Window(50, 30, 100)]),  # any member order
        ("limit=100, remaining=0, reset=9, policy=x", [Window(0, 9, 100)]),  # unknown member
        ('"default";r=50;t=30', [Window(50, 30, name="default")]),
        ('"default";t=30;r=50;pk=:YWJj:', [Window(50, 30, name="default")]),
        ('"default";r=7', [Window(7, None, name="default")]),  # t is optional
        ("default;r=7;t=1", [Window(7, 1, name="default")]),  # a token as the name
        (
            '"burst";r=0;t=1, "day";r=900;t=3600',
            [Window(0, 1, name="burst"), Window(900, 3600, name="day")],
        ),
    ],
)
def test_ratelimit_in_either_syntax(value: str, expected: list[Window]) -> None:
    assert parse_windows(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "limit=100, remaining=50",  # draft-07 needs all three
        "limit=100, remaining=-1, reset=3",
        "limit=100, remaining=5.0, reset=3",
        '"default";t=30',  # structured needs r
        '"default";r=50;t=30,',  # trailing comma
        '"default";r=50 ;t=30',
        "remaining: 5",
        "50",
    ],
)
def test_ratelimit_that_is_neither_syntax(value: str) -> None:
    assert parse_windows(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100;w=60", [Policy(100, 60)]),
        ("10;w=1, 50;w=60", [Policy(10, 1), Policy(50, 60)]),
        ('"default";q=100;w=60', [Policy(100, 60, "default")]),
        ('"d";q=5;qu="requests";w=10', [Policy(5, 10, "d")]),
        ('"d";w=10;q=5', [Policy(5, 10, "d")]),
    ],
)
def test_ratelimit_policy_in_either_syntax(value: str, expected: list[Policy]) -> None:
    assert parse_policies(value) == expected


@pytest.mark.parametrize("value", ["", '"d";w=10', "100;w=x", "q=100;w=60", "100;w=-1"])
def test_ratelimit_policy_that_is_neither_syntax(value: str) -> None:
    assert parse_policies(value) is None


def test_c004_accepts_a_pair_in_either_syntax() -> None:
    assert valid_pair("100;w=60", "limit=100, remaining=50, reset=30")
    assert valid_pair('"default";q=100;w=60', '"default";r=50;t=30')
    assert not valid_pair(None, '"default";r=50;t=30')
    assert not valid_pair('"default";q=100;w=60', "remaining=50")


def test_structured_field_parsing_follows_rfc_9651() -> None:
    assert parse_dictionary("a=1, b, c=?0")["b"].value is True
    assert parse_list('("x" "y");p=1, z')[0].params == {"p": 1}
    assert parse_list("1.5, -3, :AQID:, @1700000000")[2].value == b"\x01\x02\x03"
    assert isinstance(parse_item("@1700000000;note=x").value, Date)
    assert parse_windows('"d";r=@5') is None  # a date is not a count
    for bad in ("a=1,", "A=1", "1234567890123456", '"unterminated', "a=1.2345"):
        with pytest.raises(SFError):
            parse_dictionary(bad) if "=" in bad else parse_list(bad)


# Lists in the plain shape parse_list reads itself (quoted names, integer parameters),
# each piece at times swapped for one just past that shape, for the full parser to decide.


def _mostly(plain: list[str], past: list[str]) -> st.SearchStrategy[str]:
    """A plain piece three times in four, else one just past the plain shape."""
    return st.one_of(
        st.sampled_from(plain),
        st.sampled_from(plain),
        st.sampled_from(plain),
        st.sampled_from(past),
    )


_NAME = _mostly(['"default"', '""', '"a b"', '"a,b;r=1"', '"~!"'], ['"x\\"y"', '"é"', "default"])
_KEY = _mostly(["r", "t", "q", "w", "*k", "a-b._*9"], ["R", "_k", "1k", "", "é"])
_NUMBER = _mostly(
    ["0", "-0", "007", "-5", "123456789012345"],
    ["1234567890123456", "1.5", "?1", '"s"', "", "\u0663", "+1"],
)
_PARAM = st.tuples(_mostly([";"], ["; ", ";;"]), _KEY, _mostly(["="], ["", "= "]), _NUMBER)
_MEMBER = st.tuples(_NAME, st.lists(_PARAM.map("".join), max_size=4).map("".join)).map("".join)


@st.composite
def _near_plain_lists(draw: st.DrawFn) -> str:
    members = draw(st.lists(_MEMBER, min_size=1, max_size=3))
    parted = members[0] + "".join(
        draw(_mostly([",", ", "], [",  ", " ,", ",\t", ""])) + m for m in members[1:]
    )
    edge = _mostly([""], [" ", "\t", ","])
    return draw(edge) + parted + draw(edge)


def _in_full(value: str) -> list[Item] | str:
    """``value`` as the full parser reads an sf-list (``parse_list`` before its quick
    path); "invalid" if it does not parse."""
    try:
        return [_item(member) for member in _parse(value, "list")]
    except SFError:
        return "invalid"


@settings(max_examples=1000, deadline=None)
@given(_near_plain_lists())
def test_a_list_read_on_the_quick_path_reads_as_the_full_parser_reads_it(value: str) -> None:
    try:
        quick: list[Item] | str = parse_list(value)
    except SFError:
        quick = "invalid"
    assert quick == _in_full(value), value


def test_the_ratelimit_a_platform_sends_is_read_on_the_quick_path() -> None:
    assert _plain_list('"default";r=4980;t=42') == [Item("default", {"r": 4980, "t": 42})]
    assert _plain_list('"burst";r=0;t=1, "day";r=900;t=3600') is not None
    assert _plain_list("default;r=7;t=1") is None  # a token: the full parser's


def test_a_remembered_parse_is_handed_out_as_a_fresh_list() -> None:
    first = parse_windows('"default";r=50;t=30')
    assert first is not None
    first.clear()
    assert parse_windows('"default";r=50;t=30') == [Window(50, 30, name="default")]
    policies = parse_policies('"default";q=100;w=60')
    assert policies is not None
    policies.append(Policy(1, 1))
    assert parse_policies('"default";q=100;w=60') == [Policy(100, 60, "default")]


def test_fair_reads_the_same_grammar() -> None:
    assert ratelimit_state("reset=3, limit=100, remaining=5") == (5, 3)
    assert ratelimit_state('"default";r=5') is None  # no reset: FAIR-003 cannot see rollovers
    assert stated_policies('"a";q=5;w=1, "b";q=50;w=60') == [(5, 1), (50, 60)]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    "headers",
    [
        {"RateLimit": "limit=3, remaining=0, reset=7", "RateLimit-Policy": "3;w=10"},
        {"RateLimit": '"default";r=0;t=7', "RateLimit-Policy": '"default";q=3;w=10'},
    ],
)
def test_a_used_up_credential_waits_for_its_reset(headers: dict[str, str]) -> None:
    clock = _Clock()
    pacer = QuotaPacer(clock=clock, sleep=clock.sleep)
    pacer.observe("first_party/alice", headers)
    assert pacer.wait("first_party/bob", deadline=2000.0, label="GET /x") == 0.0
    waited = pacer.wait("first_party/alice", deadline=2000.0, label="GET /x")
    assert 7.0 <= waited < 7.5
    assert pacer.wait("first_party/alice", deadline=2000.0, label="GET /x") == 0.0


def test_requests_sent_since_the_last_answer_count_down() -> None:
    clock = _Clock()
    pacer = QuotaPacer(clock=clock, sleep=clock.sleep)
    pacer.observe("k", {"RateLimit": '"default";r=2;t=5'})
    pacer.sent("k")
    assert pacer.hold("k") is None
    pacer.sent("k")  # the window said 2 were left: both are used now
    assert pacer.hold("k") is not None


def test_a_reserve_is_kept() -> None:
    clock = _Clock()
    pacer = QuotaPacer(reserve=2, clock=clock, sleep=clock.sleep)
    pacer.observe("k", {"RateLimit": "limit=60, remaining=2, reset=4"})
    assert pacer.wait("k", deadline=2000.0, label="GET /x") > 3.9


def test_only_a_policy_stated_paces_by_the_suites_own_count() -> None:
    clock = _Clock()
    pacer = QuotaPacer(clock=clock, sleep=clock.sleep)
    pacer.observe("k", {"RateLimit-Policy": "3;w=10"})
    for _ in range(3):
        assert pacer.wait("k", deadline=2000.0, label="GET /x") == 0.0
        pacer.sent("k")
        clock.now += 1
    waited = pacer.wait("k", deadline=2000.0, label="GET /x")
    assert 7.0 <= waited < 7.5  # the first of the three leaves the window 10 s after it was sent


def test_a_wait_past_the_deadline_is_an_error_that_says_why() -> None:
    clock = _Clock()
    pacer = QuotaPacer(clock=clock, sleep=clock.sleep)
    pacer.observe("k", {"RateLimit": '"day";r=0;t=86400'})
    with pytest.raises(DeadlineExceeded, match=r'"day" remaining=0.*resets in 24\.0 h.*left'):
        pacer.wait("k", deadline=clock.now + 30, label="GET /x")
    assert clock.slept == []


@pytest.mark.slow
@pytest.mark.parametrize("syntax", ["structured", "draft-07"])
def test_the_probe_keeps_to_the_quota_of_the_strict_reference(tmp_path: Path, syntax: str) -> None:
    """75 requests of one credential against 60 per 10 s: paced, never refused."""
    choices = choice_set("strict").replacing((RATELIMIT_SYNTAX, syntax), (RETRY_AFTER, "http-date"))
    assert choices[RATE_QUOTA] == (60, 10)
    with ReferencePlatform(data_dir=tmp_path / "reference", choices=choices) as platform:
        target = reference_target(platform)
        log = EvidenceLog(tmp_path / "evidence.jsonl", Redactor(list(target.credentials.values())))
        transport = Transport(target, validator_for(Catalogue.load()), log)
        try:
            probe = Probe(transport, check="pacing", requirement="FAIR-001", timeout=60.0)
            role = Role("first_party", "alice")
            started = time.monotonic()
            statuses = [
                probe.get("/fair/v1/items", role=role, params={"limit": "1"}).status
                for _ in range(75)
            ]
            elapsed = time.monotonic() - started
        finally:
            log.close()
            transport.close()
    assert statuses == [200] * 75
    records = [json.loads(line) for line in (tmp_path / "evidence.jsonl").read_text().splitlines()]
    assert [r["response"]["status"] for r in records] == [200] * 75
    # 75 requests cannot fit one window of 60: the probe waited, unless they spread over
    # more than one by themselves: a loaded machine took over 10 s (CI with four workers
    # did), or they straddled a boundary of the reference's fixed windows (its count
    # started again; a full run met that once).
    began = _a_window_began(records)
    assert transport.quota.waited > 0 or elapsed >= 10.0 or began
    assert transport.charged_results({"C-002", "C-003"}) == []


def _a_window_began(records: list[dict[str, Any]]) -> bool:
    """Whether the remaining count any answer's ``RateLimit`` states ever went up."""
    remaining = []
    for record in records:
        headers = {k.lower(): v for k, v in record["response"]["headers"].items()}
        windows = parse_windows(headers.get("ratelimit"))
        assert windows, f"an answer without a RateLimit the suite reads: {headers}"
        remaining.append(windows[0].remaining)
    return any(later > earlier for earlier, later in itertools.pairwise(remaining))
