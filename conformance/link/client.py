"""The LINK operations, spoken through a check's probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

from conformance._harness.errors import Finding, Mismatch
from conformance._harness.probe import Probe, Response
from conformance._harness.target import Role

from .policy import POLICY_PATH, Policy, parse_policy

CONTEXTS = ("message", "post", "profile")
RESOLVE_PATH = "/link/v1/resolve"
DECIDED = (200, 201)
"""Statuses of a resolve answer: the draft names none, and COMMON C5 allows 201 beside 200."""
MESSAGES_PATH = "/link/v1/messages"
POSTS_PATH = "/link/v1/posts"


@dataclass(frozen=True)
class Decision:
    """What the platform does when a user taps ``url`` in ``context``."""

    url: str
    context: str
    action: Any
    reason: Any
    open_url: Any
    exchange: str

    @property
    def reason_code(self) -> str | None:
        """The reason's code, or None when there is no reason object."""
        code = self.reason.get("code") if isinstance(self.reason, dict) else None
        return code if isinstance(code, str) else None

    def describe(self, policy: Policy | None = None) -> str:
        """``warn (reason: CODE — published as '…')`` or ``open``."""
        if self.action == "open":
            return "open"
        why = policy.describe(self.reason_code) if policy else str(self.reason_code)
        return f"{self.action} (reason: {why})"


@dataclass(frozen=True)
class Message:
    """A message as read back: its id, sender, recipient and text."""

    id: str
    body: dict[str, Any]
    exchange: str


class LinkClient:
    """LINK requests as one check sends them."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    def policy(self) -> Policy:
        """GET the published policy (anonymous); a non-200 answer is a finding."""
        response = self.probe.get(POLICY_PATH)
        _expect(response, 200, "the link policy")
        return parse_policy(response.json(), response.exchange)

    def resolve(
        self, role: Role, url: str, context: str, headers: dict[str, str] | None = None
    ) -> Decision:
        """POST /link/v1/resolve for one URL in one context."""
        response = self.probe.post(
            RESOLVE_PATH, role=role, json_body={"url": url, "context": context}, headers=headers
        )
        _expect(response, DECIDED, f"resolving {url!r} in context {context}")
        body = response.json()
        return Decision(
            url,
            context,
            body.get("action"),
            body.get("reason"),
            body.get("open_url"),
            response.exchange,
        )

    def send_message(self, sender: Role, to_user_id: str, text: str) -> tuple[str, Response]:
        """POST a message; returns its id and the answer."""
        response = self.probe.post(
            MESSAGES_PATH, role=sender, json_body={"to": to_user_id, "text": text}
        )
        _expect(response, 201, "sending a message")
        message_id = response.json().get("id")
        if not isinstance(message_id, str) or not message_id:
            raise Finding(
                "the created message has no id",
                mismatches=[Mismatch("$.id", "a non-empty string", message_id)],
                evidence=[response.exchange],
            )
        return message_id, response

    def read_message(self, reader: Role, message_id: str) -> Message:
        """GET a message as ``reader``."""
        # Ids are opaque strings (COMMON C5): one may hold "#", "?" or "%".
        response = self.probe.get(f"{MESSAGES_PATH}/{quote(message_id, safe='')}", role=reader)
        _expect(response, 200, f"reading message {message_id} as {reader.user}")
        body = response.json()
        return Message(message_id, body if isinstance(body, dict) else {}, response.exchange)

    def create_post(self, author: Role, text: str) -> tuple[str, Response]:
        """POST a post; returns its absolute share URL (resolved against the request URL)."""
        response = self.probe.post(POSTS_PATH, role=author, json_body={"text": text})
        _expect(response, 201, "creating a post")
        share_url = response.json().get("share_url")
        if not isinstance(share_url, str) or not share_url:
            raise Finding(
                "the created post has no share_url",
                mismatches=[Mismatch("$.share_url", "a non-empty string", share_url)],
                evidence=[response.exchange],
            )
        return urljoin(response.url, share_url), response


def decision_fields(response: Response) -> dict[str, Any]:
    """What LINK defines of a resolve answer: status, ``action``, reason code and ``open_url``.

    Anything else (a request id, a decision timestamp, a reason's
    description) is the platform's to add (COMMON C5) and is not compared;
    an error answer is its status and problem ``code``.
    """
    try:
        body = response.json()
    except Finding:
        body = None
    if response.status not in DECIDED or not isinstance(body, dict):
        code = body.get("code") if isinstance(body, dict) else None
        return {"status": response.status, "code": code}
    reason = body.get("reason")
    return {
        "status": "a decision (200 or 201)",
        "action": body.get("action", "<absent>"),
        "reason code": reason.get("code") if isinstance(reason, dict) else reason,
        "open_url": body.get("open_url", "<absent>"),
    }


def _expect(response: Response, status: int | tuple[int, ...], what: str) -> None:
    allowed = status if isinstance(status, tuple) else (status,)
    if response.status not in allowed:
        shown = " or ".join(str(s) for s in allowed)
        raise Finding(
            f"{what}: {response.method} {response.url} answered {response.status}",
            mismatches=[Mismatch("status", shown, response.status, response.text[:200])],
            evidence=[response.exchange],
        )
