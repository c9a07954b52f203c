"""Credentials are checked before any requirement is judged.

A token the platform does not accept (mistyped, expired, from another
deployment) would otherwise show up as the platform's failure: PORT-001
"answered 401". So, once the claims are known and before any check runs,
every configured role sends one cheap request that changes nothing, through
an operation of a standard the platform claims, trying the next claimed
standard only while the answers are 401. A role whose token every such
request refused with 401 is a configuration error of the target file. Any
other answer (403 included: a platform may deny a role an operation) means
the token was recognised, and the checks decide the rest.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from conformance._harness.errors import ConfigError, Finding, ProbeError
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role, Target


@dataclass(frozen=True)
class CredentialCheck:
    """A read that any authenticated role of a standard may send and that changes nothing."""

    standard: str
    path: str
    params: Mapping[str, str]

    def describe(self) -> str:
        """``GET <path>`` as a person reads it."""
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"GET {self.path}" + (f"?{query}" if query else "")


# One per standard, in the order they are tried. LINK has no authenticated
# listing: reading a message id that cannot exist (``{unknown}``, an ordinary
# id made up for the run) answers 404 once the token is accepted, and 401 before.
CREDENTIAL_CHECKS: tuple[CredentialCheck, ...] = (
    CredentialCheck("PORT", "/port/v1/exports", {}),
    CredentialCheck("FAIR", "/fair/v1/items", {"limit": "1"}),
    CredentialCheck("DISC", "/disc/v1/decisions", {}),
    CredentialCheck("LINK", "/link/v1/messages/{unknown}", {}),
    # CLOUD's switching profile; its s3 and oci surfaces use keys and passwords, not tokens.
    CredentialCheck("CLOUD", "/cloud/v1/inventory", {}),
)


@dataclass(frozen=True)
class Refusal:
    """A role whose token every credential check refused with 401."""

    role: Role
    answers: tuple[str, ...]


def refused(
    probe: Probe, roles: Iterable[Role], standards: Collection[str], unknown: str
) -> list[Refusal]:
    """The roles whose token the platform refuses, trying the claimed standards in turn.

    ``unknown`` fills a path's ``{unknown}``: an id no resource has, made up for the run.

    An exchange that cannot be completed (the target went away, a time limit)
    ends the preflight without blaming anyone: the checks will report it.
    """
    checks = [c for c in CREDENTIAL_CHECKS if c.standard in standards]
    out: list[Refusal] = []
    if not checks:
        return out
    for role in roles:
        answers: list[str] = []
        for check in checks:
            try:
                path = check.path.replace("{unknown}", unknown)
                response = probe.get(path, role=role, params=check.params, validate=False)
            except (ProbeError, Finding):  # a garbled answer, a redirect loop: the checks say it
                return out
            answers.append(f"{check.describe()} answered {response.status} ({response.exchange})")
            if not refuses_token(response):
                break
        else:
            out.append(Refusal(role, tuple(answers)))
    return out


def refuses_token(response: Response) -> bool:
    """A 401 about the token: no challenge, or a Bearer one (not a captcha, say)."""
    challenge = response.headers.get("WWW-Authenticate", "").strip().lower()
    return response.status == 401 and (not challenge or challenge.startswith("bearer"))


def credential_error(target: Target, refusals: list[Refusal]) -> ConfigError:
    """The configuration error for refused tokens: the key of the first, the fix, the others."""
    first = refusals[0]
    others = [target.credential_key(r.role) for r in refusals[1:]]
    problem = (
        f"the platform at {target.base_url} refused the token of {first.role} with 401 on every "
        f"request the suite tried ({'; '.join(first.answers)}), so no requirement was judged"
    )
    if others:
        problem += f"; it also refused the tokens of {', '.join(others)}"
    var = target.token_envs.get(first.role)
    fix = (
        f"export {var}=<a current token of {first.role.client} for {first.role.user} on this "
        "platform> (an expired, revoked or mistyped token, or one of another deployment, "
        "is refused)"
        if var
        else f"give {first.role} a token the platform accepts"
    )
    return ConfigError(target.source, target.credential_key(first.role), problem, fix)
