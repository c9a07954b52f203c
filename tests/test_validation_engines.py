"""The compiled plans (jsonschema-rs) and openapi-core give the same verdicts.

The probe takes a plan's "valid" as final and sends every other response to
openapi-core (``validation.py``), so the disagreement that matters is a plan
finding valid what openapi-core finds invalid: a planted fault would pass.
Every case here is judged by both. A plan may leave a case undecided (None);
it may never contradict openapi-core, and the validator's output (the rows a
finding shows) must be the very rows openapi-core gives. Where both find a
body invalid, the JSON paths they blame are compared too.

The corpus: real answers of the reference (a scripted tour here; a whole run
and the named faults in the slow tier), hand-made invalid ones, and
mutations of each valid body (wrong types, members removed, strings that
break patterns, formats and enums, odd numbers), some drawn by Hypothesis
(derandomized).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.finders import APICallPathFinder

from conformance._harness import harness
from conformance._harness.bounded_json import loads
from conformance._harness.bundle import bundle
from conformance._harness.catalogue import Catalogue, Spec
from conformance._harness.evidence import EvidenceLog
from conformance._harness.fast_responses import NOT_PARSED, FastResponses
from conformance._harness.fast_schema import Untranslatable, odd_numbers, surrogates
from conformance._harness.harness import Options
from conformance._harness.probe import Probe, Transport
from conformance._harness.runner import run
from conformance._harness.secrets import Redactor
from conformance._harness.target import Target
from conformance._harness.validation import OpenApiCoreValidator, Operation, media_type
from conformance.common.roles import ALICE, BOB
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

CATALOGUE = Catalogue.load()
CORE = OpenApiCoreValidator(CATALOGUE, fast=False)
FAST = OpenApiCoreValidator(CATALOGUE)
PLANS = {spec.standard: FastResponses(bundle(spec.path)) for spec in CATALOGUE.specs.values()}
JSON = {"Content-Type": "application/json"}
PROBLEM = {"Content-Type": "application/problem+json"}
MUTATIONS_PER_BODY = 60


@dataclasses.dataclass(frozen=True)
class Case:
    """One response as the probe hands it to the validator."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    include_body: bool = True

    def with_body(self, value: Any) -> Case:
        return dataclasses.replace(self, body=json.dumps(value).encode())


def judge(case: Case) -> bool | None:
    """Both engines on ``case``; the plan's verdict, after checking it against openapi-core's."""
    op = CORE.find(case.method, case.path)
    assert op is not None, f"{case.method} {case.path} is no operation of the specs"
    args = (op, case.path, case.status, case.headers, case.body)
    core = CORE.check_response(*args, include_body=case.include_body)
    fast = FAST.check_response(*args, include_body=case.include_body)
    assert fast == core, f"{case}: the validator's rows differ from openapi-core's"
    verdict, value = _plan_verdict(op, case)
    if verdict is True:
        assert core == [], f"{case}: the plan finds valid what openapi-core does not: {core}"
    if verdict is False:
        assert core != [], f"{case}: the plan finds invalid what openapi-core finds valid"
        blamed = _body_locations(op, case, value)
        if blamed is not None:
            core_paths = {m.path for m in core if m.path.startswith("$")}
            assert set(blamed) == core_paths, f"{case}: blamed {blamed}, openapi-core {core}"
    return verdict


def _essence(headers: Mapping[str, str]) -> str | None:
    raw_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    parsed = media_type(raw_type)
    return parsed.essence if parsed else None


def _plan_verdict(op: Operation, case: Case) -> tuple[bool | None, Any]:
    raw_type = next((v for k, v in case.headers.items() if k.lower() == "content-type"), "")
    parsed = media_type(raw_type)
    value: Any = NOT_PARSED
    if case.include_body and parsed is not None and parsed.is_json and case.body:
        try:
            value = loads(case.body)
        except ValueError:
            return None, value  # not JSON: validation says so before any engine runs
    verdict = PLANS[op.standard].judge(
        op.method,
        op.template,
        case.status,
        case.headers,
        parsed.essence if parsed else None,
        case.body,
        value,
        include_body=case.include_body,
    )
    return verdict, value


def _body_locations(op: Operation, case: Case, value: Any) -> list[str] | None:
    """Where the plan's schema blames the body (None when the body is not what failed)."""
    if value is NOT_PARSED:
        return None
    responses = PLANS[op.standard].plan  # the same lookup as openapi-core's ResponseFinder
    spec = bundle(CATALOGUE.spec(op.standard).path)
    documented = spec["paths"][op.template][op.method]["responses"]
    status = str(case.status)
    key = next(k for k in (status, f"{status[0]}XX", "default") if k in documented)
    plan = responses(op.method, op.template, key)
    assert not isinstance(plan, Untranslatable)
    schema = (plan.content or {}).get(_essence(case.headers) or "")
    if schema is None:
        return None
    blamed = schema.locations(value)
    return blamed or None


# -- mutations ---------------------------------------------------------------------------------


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            yield from _nodes(child, (*path, index))


def _replacements(node: Any) -> list[Any]:
    if isinstance(node, bool):
        return ["true", 0, None]
    if isinstance(node, int | float):
        return [-1, "1", 1.5, None, True, 10**20]
    if isinstance(node, str):
        return [
            node + "\n",  # Python's "$" matches before a final newline
            "\x1c" + node,  # whitespace to Python's "\s", not to Rust's
            "",
            "zz-in-no-enum",
            "2026-13-45T99:99:99Z",
            "not a date",
            12,
            None,
        ]
    if isinstance(node, list):
        return [{}, "x", [None], [12]]
    return [[], "x", None]


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    out = copy.deepcopy(value)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return out


def _without(value: Any, path: tuple[Any, ...]) -> Any:
    out = copy.deepcopy(value)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return out


def mutations(value: Any) -> Iterator[Any]:
    """Invalid-looking variants of a body: at most ``MUTATIONS_PER_BODY``."""
    made = 0
    for path, node in _nodes(value):
        variants = [_set(value, path, r) for r in _replacements(node)]
        if path:
            variants.append(_without(value, path))
        if isinstance(node, dict):
            variants.append(_set(value, path, {**node, "zz-extra": 1}))
        for variant in variants:
            yield variant
            made += 1
            if made >= MUTATIONS_PER_BODY:
                return


def judge_with_mutations(case: Case) -> list[bool | None]:
    """The case and every mutation of its body, each judged by both engines."""
    verdicts = [judge(case)]
    if case.include_body and _essence(case.headers) and case.body:
        try:
            value = json.loads(case.body)
        except ValueError:
            return verdicts
        verdicts += [judge(case.with_body(m)) for m in mutations(value)]
    return verdicts


# -- a recorded tour of the reference ----------------------------------------------------------


class Recorder:
    """A validator that keeps every response it is asked about (and asks the real one)."""

    def __init__(self, inner: OpenApiCoreValidator) -> None:
        self.inner = inner
        self.cases: list[Case] = []

    def find(self, method: str, path: str) -> Operation | None:
        return self.inner.find(method, path)

    def check_response(
        self,
        op: Operation,
        path: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        **kw: Any,
    ) -> list[Any]:
        self.cases.append(
            Case(op.method.upper(), path, status, dict(headers), body, kw.get("include_body", True))
        )
        return self.inner.check_response(op, path, status, headers, body, **kw)


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    """The reference's answers to a short scripted tour: documents, exports, errors."""
    data = tmp_path_factory.mktemp("tour")
    with ReferencePlatform(data_dir=data, part_size=4096) as platform:
        target = reference_target(platform)
        recorder = Recorder(FAST)
        log = EvidenceLog(None, Redactor(target.credentials.values()))
        probe = Probe(Transport(target, recorder, log), check="tour")
        for path in (
            "/.well-known/interop",
            "/.well-known/platform-disclosure",
            "/.well-known/platform-rules",
            "/.well-known/link-policy",
            "/port/v1/exports",
            "/port/v1/imports",
            "/port/v1/exports/no-such-export",
        ):
            _quietly(lambda p=path: probe.get(p, role=ALICE))
        created = probe.post("/port/v1/exports", role=ALICE)
        job = created.headers.get("Location", "")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if probe.get(job, role=ALICE).json().get("status") in ("ready", "failed"):
                break
            time.sleep(0.2)
        _quietly(lambda: probe.get(job, role=BOB))
        _quietly(lambda: probe.get("/port/v1/exports", headers={"Authorization": None}))
        _quietly(lambda: probe.get("/port/v1/changes", role=ALICE))
    return recorder.cases


def _quietly(call: Any) -> None:
    try:
        call()
    except AssertionError:  # a Finding: the answer was recorded all the same
        pass


def test_every_documented_response_compiles_but_the_discriminated_one() -> None:
    left = []
    for spec in CATALOGUE.specs.values():
        document = bundle(spec.path)
        for template, item in document["paths"].items():
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op or op.get("x-surface"):
                    continue
                for key in op["responses"]:
                    plan = PLANS[spec.standard].plan(method, template, key)
                    if isinstance(plan, Untranslatable):
                        left.append((op["operationId"], key, str(plan)))
    # ArchiveRecord's discriminator changes what oneOf means in OpenAPI: openapi-core's.
    assert left == [("listChanges", "200", "keyword 'discriminator'")]


@pytest.mark.parametrize("spec", CATALOGUE.specs.values(), ids=lambda s: s.standard)
def test_the_validator_finds_the_operation_openapi_core_finds(spec: Spec) -> None:
    # The plans are asked for the operation ``find`` names, where openapi-core looked it up
    # itself: on every path (odd parameter values included) both must name the same.
    document = bundle(spec.path)
    api = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))  # type: ignore[arg-type]
    finder = APICallPathFinder(api.spec, base_url=None)
    compared = 0
    for template, item in document["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or op.get("x-surface") or "operationId" not in op:
                continue
            for fill in ("x", "a b", "latest", "e1.json", "%2F", "ünï"):
                path = re.sub(r"\{[^}]+\}", fill, template)
                ours = FAST.find(method.upper(), path)
                if ours is None or ours.standard != spec.standard:
                    continue  # the same path in another spec (COMMON's documents)
                found = finder.find(method, "http://target.invalid" + path)
                assert (found.operation / "operationId").read_str() == ours.operation_id, path
                compared += 1
    assert compared >= len(document["paths"])


def test_the_tour_reaches_documents_jobs_and_errors(tour: list[Case]) -> None:
    statuses = {c.status for c in tour}
    assert {200, 202, 404, 401} <= statuses, statuses
    assert len({c.path for c in tour}) >= 8


def test_the_engines_agree_on_the_tour_and_its_mutations(tour: list[Case]) -> None:
    verdicts = [v for case in tour for v in judge_with_mutations(case)]
    assert verdicts.count(True) >= 10, "the plans decided too few valid answers"
    assert verdicts.count(False) >= 100, "the mutations made too few invalid answers"
    # Error bodies are judged too (the probe leaves them to C-002's check).
    for case in tour:
        if case.status >= 400 and case.body:
            judge_with_mutations(dataclasses.replace(case, include_body=True))


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_engines_agree_on_drawn_mutations(data: st.DataObject) -> None:
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=6,
    )
    body = _job()
    nodes = list(_nodes(body))
    path, _ = data.draw(st.sampled_from(nodes))
    mutated = _set(body, path, data.draw(json_values))
    text = json.dumps(mutated, allow_nan=True).encode()
    judge(Case("GET", "/port/v1/exports/e1", 200, JSON, text))


def _job() -> dict[str, Any]:
    return {
        "id": "e1",
        "status": "ready",
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-08T00:00:00Z",
        "parts": [
            {"url": "/p/0", "size": 10, "sha256": "0" * 64, "media_type": "application/x-ndjson"}
        ],
    }


CREATED = b'{"id": "e1", "status": "pending"}'
JOB = Case("GET", "/port/v1/exports/e1", 200, JSON, json.dumps(_job()).encode())


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (JOB, True),
        (JOB.with_body({**_job(), "created_at": "yesterday"}), False),  # date-time asserted
        (JOB.with_body({**_job(), "created_at": "2026-01-01t00:00:00z"}), True),  # RFC 3339 §5.6
        (JOB.with_body({**_job(), "status": "ready\n"}), False),
        (JOB.with_body(_set(_job(), ("parts", 0, "size"), -1)), False),
        (JOB.with_body(_set(_job(), ("parts", 0, "sha256"), "0" * 64 + "\n")), True),  # re's "$"
        (JOB.with_body(_set(_job(), ("parts", 0, "url"), "::not a uri::")), True),  # annotation
        (JOB.with_body(_set(_job(), ("parts", 0, "media_type"), "a\x1c/b")), False),
        (JOB.with_body(_set(_job(), ("parts", 0, "size"), 10**30)), None),  # past 64 bits
        (JOB.with_body({**_job(), "id": "\ud800"}), None),  # a lone surrogate
        (dataclasses.replace(JOB, body=b"[1, NaN]"), None),
        (dataclasses.replace(JOB, body=b'{"id": 1e400}'), None),
        (dataclasses.replace(JOB, body=b""), False),  # content documented, none sent
        (dataclasses.replace(JOB, status=299), None),  # default: a problem+json entry only
        (dataclasses.replace(JOB, headers={"Content-Type": "text/plain"}, body=b"x"), None),
        (dataclasses.replace(JOB, headers={}, body=b"x"), None),
        (dataclasses.replace(JOB, status=404, headers=PROBLEM, include_body=False), True),
        (Case("POST", "/port/v1/exports", 202, JSON, CREATED), False),  # no Location
        (
            Case("POST", "/port/v1/exports", 202, {**JSON, "location": "/j/e1"}, CREATED),
            True,
        ),
        (
            Case("POST", "/port/v1/exports", 429, {**PROBLEM, "Retry-After": "soon"}, b"{}", False),
            False,
        ),
        (
            Case("POST", "/port/v1/exports", 429, {**PROBLEM, "Retry-After": " 5 "}, b"{}", False),
            True,
        ),
        (
            Case(
                "POST", "/port/v1/exports", 429, {**PROBLEM, "Retry-After": "5\x1c"}, b"{}", False
            ),
            True,
        ),
    ],
)
def test_edge_cases_are_judged_as_openapi_core_judges_them(
    case: Case, expected: bool | None
) -> None:
    assert judge(case) is expected


def test_odd_numbers_are_spotted_in_the_raw_body() -> None:
    assert odd_numbers(b'{"a": NaN}') and odd_numbers(b"[-Infinity]")
    assert (
        odd_numbers(b"[1e400]")
        and odd_numbers(b"[1E+308]")
        and odd_numbers(b"[1" + b"0" * 18 + b"]")
    )
    assert odd_numbers(b" -1e999") and odd_numbers(b'{"a": [1, -12345678901234567890]}')
    assert not odd_numbers(b'{"size": 123456789012345678, "x": 1.5e10, "t": "2026-01-01"}')
    assert not odd_numbers(b'{"sha256": "' + b"0" * 64 + b'", "hex": "ae123"}')


def _document(schema: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {"paths": {"/x": {"get": {"responses": {"200": {"content": content}}}}}}


@pytest.mark.parametrize(
    ("schema", "body", "expected"),
    [
        ({"type": "string", "pattern": "^a$"}, b'"a\\n"', True),  # Python's "$", not Rust's
        ({"type": "string", "pattern": "^\\S+$"}, b'"a\\u001c"', False),  # \x1c: \s to Python
        ({"type": "string", "format": "uuid"}, b'"not-a-uuid"', False),  # asserted by the checker
        ({"type": "string", "format": "uri-reference"}, b'"::"', True),  # not asserted
        ({"not": {"type": "number"}}, b"NaN", None),  # a number to Python only
        ({"if": {"type": "number"}, "then": False}, b"-Infinity", None),
        ({"maximum": 5}, b"1e999", None),
        ({"type": "integer", "maximum": 5}, b"123456789012345678901", None),
        ({"type": "integer", "format": "int32"}, b"1", None),  # formats of numbers: refused
        ({"oneOf": [{}], "discriminator": {"propertyName": "t"}}, b"{}", None),
        ({"$ref": "#/components/schemas/Missing"}, b"{}", None),
        ({"type": "string", "patternProperties": {}}, b'""', None),  # unlisted keyword: refused
    ],
)
def test_the_translation_keeps_openapi_core_semantics_or_refuses(
    schema: Any, body: bytes, expected: bool | None
) -> None:
    value = json.loads(body)
    plans = FastResponses(_document(schema))
    assert plans.judge("get", "/x", 200, JSON, "application/json", body, value) is expected


def test_surrogates_are_spotted_escaped_or_encoded() -> None:
    assert surrogates(b'["\\ud800"]') and surrogates(b'["\\uDFFF"]')
    assert surrogates(b'["\xed\xa0\x80"]')
    assert not surrogates(b'["\\u00e9", "\xc3\xa9", "\\ue000"]')


# -- slow: a whole run and the named faults ----------------------------------------------------


class Comparing(Recorder):
    """Judges every response of a run with both engines as it goes (the run sees the real one)."""

    def check_response(self, op: Operation, path: str, *args: Any, **kw: Any) -> list[Any]:
        rows = super().check_response(op, path, *args, **kw)
        judge(self.cases[-1])
        return rows


@pytest.fixture
def comparing(monkeypatch: pytest.MonkeyPatch) -> Comparing:
    """Every run of this test validates through a ``Comparing`` validator."""
    made = Comparing(FAST)
    monkeypatch.setattr(harness, "validator_for", lambda catalogue: made)
    return made


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Target]:
    with ReferencePlatform(data_dir=tmp_path / "first", part_size=4096) as running:
        yield reference_target(running)


@pytest.fixture
def second(tmp_path: Path) -> Iterator[Target]:
    with ReferencePlatform(data_dir=tmp_path / "second", part_size=4096) as running:
        yield reference_target(running, "reference-b")


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_engines_agree_on_a_whole_reference_run(
    comparing: Comparing, platform: Target, second: Target
) -> None:
    result = run(platform, second=second, options=Options(seed=20261128, examples=5))
    assert result.verdict().name == "CONFORMANT", result.headline()
    seen: set[tuple[str, str, int]] = set()
    for case in comparing.cases:
        op = CORE.find(case.method, case.path)
        key = (case.method, op.template if op else case.path, case.status)
        if key not in seen:  # mutations once per operation and status
            seen.add(key)
            judge_with_mutations(dataclasses.replace(case, include_body=True))
    operations = {CORE.find(c.method, c.path) for c in comparing.cases}
    # 28 on 2026-12-05: the operations whose answers the checks validate.
    assert len(operations) >= 25, f"a whole run reached only {len(operations)} operations"


API_FAULTS = [f for f in load_faults() if f.front == "api"]
FAULT_RUN_BUDGET = 15.0
"""Seconds of each fault's run: what its checks validate before then is compared."""


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("fault", API_FAULTS, ids=[f.name for f in API_FAULTS])
def test_the_engines_agree_on_the_answers_of_a_fault(
    fault: Fault, comparing: Comparing, platform: Target, second: Target
) -> None:
    with FaultProxy(upstream(platform, fault.front), fault) as proxy:
        faulty = behind(platform, fault.front, proxy.base_url)
        # The answers are the corpus, not the verdicts: a run budget keeps the faults whose
        # checks wait (signed-URL lifetimes, quota windows) from costing minutes each.
        faulty = dataclasses.replace(
            faulty, limits=dataclasses.replace(faulty.limits, run_budget=FAULT_RUN_BUDGET)
        )
        options = Options(
            requirements=fault.breaks, seed=20261128, examples=5, shrink=False, as_of=fault.as_of
        )
        run(faulty, second=second, options=options)
    # Every validated answer was judged by both engines (``Comparing``); some faults' checks
    # validate none (CORS, discovery documents read raw), which is no disagreement.
