"""The harness: the state of one run, shared by the plugin and the checks.

It holds the target, the catalogue, the transport, the evidence log, the
claims and the results as they arrive. The plugin creates one per pytest
session and keeps it in the config stash; nothing here is global.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from conformance._harness.budget import RunBudget
from conformance._harness.catalogue import Catalogue
from conformance._harness.errors import (
    ConfigError,
    ConformanceError,
    Finding,
    ProbeError,
    TargetUnreachable,
)
from conformance._harness.evidence import EvidenceLog
from conformance._harness.kept import kept_claims, kept_result
from conformance._harness.options import Options
from conformance._harness.ordinary import ordinary
from conformance._harness.preflight import credential_error, refused
from conformance._harness.probe import Probe, Transport
from conformance._harness.results import (
    CheckResult,
    RequirementInfo,
    RunResult,
    Selection,
    fold,
    replay_of,
)
from conformance._harness.scrub import scrubbed
from conformance._harness.secrets import Redactor
from conformance._harness.signing import generate, load_signing_key
from conformance._harness.target import Target
from conformance._harness.validation import validator_for
from conformance._version import __version__
from conformance.common.claims import DISCOVERY_PATH, Claims

T = TypeVar("T")


@dataclass
class _Memo:
    value: Any = None
    error: BaseException | None = None
    done: bool = False
    exchanges: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Ledger:
    """What the running check cites beyond its own probes' exchanges, and what it verified."""

    check: str
    cited: dict[str, None] = field(default_factory=dict)  # an ordered set
    verified: list[str] = field(default_factory=list)

    @property
    def evidence(self) -> list[str]:
        """The exchanges cited, each once, in the order they were cited."""
        return list(self.cited)

    def cite(self, exchanges: Iterable[str]) -> None:
        """Add exchanges the check rests on."""
        self.cited.update(dict.fromkeys(exchanges))


class Harness:
    """One run against one target (and, optionally, a second target)."""

    def __init__(
        self,
        target: Target,
        options: Options,
        *,
        second: Target | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.target = target
        self.second = second
        self.options = options
        self.catalogue = catalogue or Catalogue.load()
        self.selection = self.catalogue.select(
            options.standards, options.profiles, options.requirements
        )
        self.seed = (
            options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
        )
        self.started_at = _now()
        self.run_id = (
            f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{_slug(target.name)}-{secrets.token_hex(3)}"
        )
        self.report_dir = options.report_dir / self.run_id if options.report_dir else None
        # Tokens, S3 secret keys and registry passwords of both targets.
        self.redactor = Redactor(target.secrets() + (second.secrets() if second else []))
        self.log = EvidenceLog(
            self.report_dir / "evidence.jsonl" if self.report_dir else None, self.redactor
        )
        # The key that seals the run's reports (conformance._harness.manifest).
        self.signing_key = (
            load_signing_key(options.signing_key) if options.signing_key else generate()
        )
        validator = validator_for(self.catalogue)
        # One time and request budget for the whole run, both targets included.
        self.budget = RunBudget.of(target.limits)
        self.transport = Transport(target, validator, self.log, self.budget)
        self.second_transport = (
            Transport(second, validator, self.log, self.budget) if second else None
        )
        for transport in (self.transport, self.second_transport):
            if transport is not None:
                transport.read_only = options.read_only
        self.results: dict[str, list[CheckResult]] = defaultdict(list)
        self.deselected: set[str] = set()  # requirements whose checks pytest deselected
        self.writes: set[str] = set()
        """Requirements with a check that would have written (``--read-only``): not judged."""
        self.configuration_error: ConfigError | None = None
        self.notes: list[str] = []
        self._claims: Claims | None = None
        self.discovery_failure: ProbeError | Finding | None = None
        """What ended the fetch of the discovery document when no answer came whole (the
        target unreachable, a time limit, the size cap, a redirect loop): C-001 ends with
        it rather than fetching the document again."""
        self._memos: dict[str, _Memo] = defaultdict(_Memo)
        self._ledger: Ledger | None = None
        self.result: RunResult | None = None

    def probe(self, check: str, requirement: str, *, second: bool = False) -> Probe:
        """A probe for one check, with that check's time limit and requirement in force."""
        transport = self.second_transport if second else self.transport
        if transport is None:
            raise ConformanceError("no second target is configured (--second-target)")
        return Probe(transport, check=check, requirement=requirement)

    def claims(self) -> Claims:
        """The discovery document, fetched once per run (or the target file's ``claims:``)."""
        if self._claims is None and self.target.stated_claims is not None:
            # A platform with no discovery document (an S3 store, a registry): nothing is
            # asked of it, and COMMON is not claimed unless the file names it.
            self._claims = Claims.from_target_file(self.target.stated_claims)
            self.notes.append(
                f"claims stated by the target file {self.target.source} (claims:), "
                "not published by the platform: "
                + "; ".join(
                    f"{c['id']} {c['version']} ({', '.join(c['profiles'])})"
                    for c in self.target.stated_claims
                )
            )
        if self._claims is None:
            probe = self.probe("discovery", "C-001")
            try:
                response = probe.get(DISCOVERY_PATH, validate=False)
            except TargetUnreachable as exc:
                self.discovery_failure = exc
                self._claims = Claims(
                    None, str(exc), unreachable=True, evidence=tuple(probe.exchanges)
                )
                return self._claims
            except (ProbeError, Finding) as exc:
                # Kept like any answer: a document that drips, passes the cap or redirects
                # without end costs the run once, and every check that needs it says why.
                self.discovery_failure = exc
                reason = exc.describe() if isinstance(exc, Finding) else str(exc)
                self._claims = Claims(None, reason, evidence=tuple(probe.exchanges))
                return self._claims
            evidence = tuple(probe.exchanges)
            if response.status != 200:
                self._claims = Claims(
                    None, f"{DISCOVERY_PATH} answered {response.status}", evidence=evidence
                )
            else:
                try:
                    document = response.json()  # bounded: nesting is a Finding, size an error
                except (Finding, ProbeError) as exc:
                    why = exc.message if isinstance(exc, Finding) else str(exc)
                    self._claims = Claims(None, f"{DISCOVERY_PATH}: {why}", evidence=evidence)
                else:
                    self._claims = Claims.from_document(document, evidence)
        return self._claims

    def check_credentials(self) -> ConfigError | None:
        """Before any requirement is judged: does the platform accept every configured token?

        Each role sends one cheap read of a claimed standard (``conformance._harness.preflight``);
        a role whose token is refused with 401 throughout is a configuration error,
        kept in ``configuration_error`` and returned. Nothing is sent when the claims
        cannot be read (the discovery failure is the run's verdict then).
        """
        claims = self.claims()
        if not claims.usable:
            return None
        if claims.stated:
            self.configuration_error = self._stated_claims_error()
            if self.configuration_error is not None:
                return self.configuration_error
        pairs = [(self.target, self.transport)]
        if self.second is not None and self.second_transport is not None:
            pairs.append((self.second, self.second_transport))
        for target, transport in pairs:
            probe = Probe(transport, check="credentials (before any requirement)")
            refusals = refused(
                probe,
                sorted(target.credentials, key=str),
                set(claims.profiles),
                ordinary(self.seed, "credentials").uuid(),
            )
            if probe.exchanges:
                self.notes.append(
                    f"credentials of {target.name} checked before any requirement: "
                    f"{len(target.credentials)} role(s), exchanges {probe.exchanges[0]}"
                    f"…{probe.exchanges[-1]}"
                )
            if refusals:
                self.configuration_error = credential_error(target, refusals)
                return self.configuration_error
        return None

    def _stated_claims_error(self) -> ConfigError | None:
        """A ``claims:`` entry naming a standard or profile the catalogue does not define.

        A platform's discovery document may name what the suite does not know
        (C5); a target file's claims are the operator's, and a typo there would
        silently leave requirements unjudged.
        """
        for i, entry in enumerate(self.target.stated_claims or ()):
            standard = str(entry["id"])
            if standard not in self.catalogue.specs:
                return ConfigError(
                    self.target.source,
                    f"claims[{i}].id",
                    f"{standard} is not a standard of the catalogue",
                    f"use one of: {', '.join(sorted(self.catalogue.specs))}",
                )
            known = self.catalogue.spec(standard).profiles
            for j, profile in enumerate(entry["profiles"]):
                if profile not in known:
                    return ConfigError(
                        self.target.source,
                        f"claims[{i}].profiles[{j}]",
                        f"{standard} defines no profile {profile!r}",
                        f"use one of: {', '.join(sorted(known))}",
                    )
        return None

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute a shared value once per run; later callers get it, or its error again.

        The exchanges made while computing it are cited by every check that uses
        it, the one that computed it and those that reuse it.
        """
        memo = self._memos[key]
        with memo.lock:
            if not memo.done:
                mark = self.log.issued
                try:
                    memo.value = compute()
                except BaseException as exc:
                    memo.error = exc
                memo.exchanges = self.log.issued_since(mark)
                memo.done = True
        if self._ledger is not None:
            self._ledger.cite(memo.exchanges)
        if memo.error is not None:
            raise memo.error
        return memo.value  # type: ignore[no-any-return]

    def verified(self, summary: str, *, evidence: Iterable[str] = ()) -> None:
        """Say what the running check verified, citing the exchanges it rests on.

        The summary becomes the reason of its ``pass``: counts, not adjectives
        ("2 parts, 48 213 bytes: sizes and SHA-256 match"). The exchanges of the
        check's own probes are cited already; cite here those it reuses (made by a
        fixture or another check). A ``pass`` that cites no exchange is an ``error``.
        """
        if self._ledger is None:
            raise ConformanceError("harness.verified() was called outside a running check")
        self._ledger.verified.append(summary)
        self._ledger.cite(evidence)

    def begin_check(self, check: str) -> Ledger:
        """Start the ledger of a check (the plugin calls this before its setup)."""
        self._ledger = Ledger(check)
        return self._ledger

    def ledger(self, check: str) -> Ledger:
        """The ledger of ``check`` (an empty one if it never began)."""
        if self._ledger is None or self._ledger.check != check:
            return Ledger(check)
        return self._ledger

    def record(self, result: CheckResult) -> None:
        """Add the result of one check."""
        self.results[result.requirement].append(result)

    def finish(self) -> RunResult:
        """Fold the checks per requirement into the run's result."""
        claims = self._claims
        self.log.close()
        judged = self.configuration_error is None
        if judged and claims is not None and claims.usable:
            # Rules every answer is held to (C-002, C-003), broken while a check probed
            # for another requirement: charged to theirs (conformance._harness.probe).
            wanted = {r.id for r in self.selection if claims.claims(r)}
            for charged in self.transport.charged_results(wanted, self.seed):
                self.record(charged)
        second = self.second.source if self.second else ""
        replay = replay_of(self.seed, self.options, self.target.source, second)
        requirements = [
            fold(info, self.results.get(info.id, []), replay) for info in self.selection if judged
        ]
        options = self.options
        selection = Selection(
            standards=tuple(self.catalogue.spec(s).standard for s in options.standards),
            profiles=tuple(options.profiles),
            requirements=tuple(self.catalogue.requirement(r).id for r in options.requirements),
            deselected=tuple(r.id for r in self.selection if r.id in self.deselected and judged),
            read_only=options.read_only,
            writes=tuple(r.id for r in self.selection if r.id in self.writes and judged),
        )
        claimed, unreachable, unusable = _discovery(self.catalogue, claims)
        # The report copies the claims within a bound (conformance._harness.kept).
        kept, cut = (
            kept_claims(claims.document, claims.evidence)
            if claims and claims.document is not None
            else (None, "")
        )
        result = RunResult(
            run_id=self.run_id,
            suite_version=__version__,
            started_at=self.started_at,
            finished_at=_now(),
            target=self.target.describe()
            | ({"second": self.second.describe()} if self.second else {}),
            claims=kept,
            specs=[
                {
                    "standard": s.standard,
                    "version": s.version,
                    "sha256": s.sha256,
                    "file": f"{s.standard}/{s.version}/openapi.yaml",
                }
                for s in self.catalogue.specs.values()
            ],
            seed=self.seed,
            requirements=requirements,
            notes=[*self.notes, *([cut] if cut else []), f"evidence chain head {self.log.head}"],
            selection=selection,
            claimed=claimed,
            unreachable=unreachable,
            discovery_problem=unusable,
            configuration_error=str(self.configuration_error or ""),
            options=options.to_json(),
        )
        self.result = kept_result(scrubbed(result, self.redactor))
        return self.result

    def fail_internally(self, problem: str) -> RunResult:
        """The result of a run the suite itself broke (a bug): what it had decided, said so."""
        result = self.result
        if result is None:
            try:
                result = self.finish()
            except Exception as exc:  # the bug may be in finishing itself
                problem += f"; finishing the run failed too ({type(exc).__name__}: {exc})"
                self.log.close()
                bare = RunResult(
                    run_id=self.run_id,
                    suite_version=__version__,
                    started_at=self.started_at,
                    finished_at=_now(),
                    target={"name": self.target.name, "base_url": self.target.base_url},
                    claims=None,
                    specs=[],
                    seed=self.seed,
                    notes=list(self.notes),
                )
                result = scrubbed(bare, self.redactor)
        result.internal_error = self.redactor.text(problem)
        self.result = result
        return result

    def requirement(self, rid: str) -> RequirementInfo:
        """The catalogue entry of a requirement."""
        return self.catalogue.requirement(rid)

    def close(self) -> None:
        """Release connections and files."""
        self.log.close()
        self.transport.close()
        if self.second_transport:
            self.second_transport.close()


def _discovery(
    catalogue: Catalogue, claims: Claims | None
) -> tuple[tuple[str, ...] | None, str, str]:
    """What the platform claims over the whole catalogue, or why nothing is known."""
    if claims is None:
        return None, "", ""
    if claims.unreachable:
        return None, claims.problem, ""
    if not claims.usable:
        return None, "", claims.problem
    return tuple(r.id for r in catalogue if claims.claims(r)), "", ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40] or "target"
