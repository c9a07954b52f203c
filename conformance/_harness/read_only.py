"""``--read-only``: the probe sends only safe methods; a check that would write ends not-applicable.

For spot checks on live systems with real accounts, nothing may change
there. The guarantee is the probe's, not a list of checks: every request
passes ``refuse_writes`` before anything is sent or logged, so a check that
tries to write (an import, an export, a POST that only reads but could
write) ends ``not-applicable``, saying which request it would have sent, and
no such request reaches the platform or the evidence. Checks are not
deselected up front by a marker: one that only reads still runs and decides,
and a marker could drift from what a check really sends.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance._harness.checking import NotApplicable

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""The methods RFC 9110 (9.2.1) calls safe and the suite sends in a read-only run."""


class WriteRefused(NotApplicable):
    """A check tried to send a non-safe method in a ``--read-only`` run."""

    __module__ = "builtins"


def refuse_writes(method: str, url: str, *, read_only: bool) -> None:
    """Raise ``WriteRefused`` for a non-safe ``method`` when the run is read-only.

    The reason names the method and the URL's path (never its query, which may
    hold a signature) so the report says what the check would have done.
    """
    if read_only and method.upper() not in SAFE_METHODS:
        path = urlsplit(url).path or "/"
        raise WriteRefused(f"writes ({method.upper()} {path}), and the run is --read-only")
