"""LINK 1.0: link interconnection, as a module of the reference platform.

Every link is decided by the published policy alone (:mod:`.link_policy`):
never by the domain's owner, the context, the requesting client or its
User-Agent. Messages are delivered as sent; share pages serve the same
status and text to every visitor (:mod:`.link_pages`). Where the draft
leaves a choice open (ids, bodies, share URLs and pages, policy forms), the
module takes the option of its ``ChoiceSet`` (see ``choices/link.py``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from werkzeug.wrappers import Response

from .choices import DEFAULT, ChoiceSet
from .choices.link import (
    CREATED_BODY,
    DECISION_EXTRAS,
    IDS,
    POLICY_FORM,
    REASON_FORM,
    RESOLVE_STATUS,
    SHARE_CHARSET,
    SHARE_CHROME,
    SHARE_ESCAPING,
    SHARE_LAYOUT,
    SHARE_REDIRECT,
    SHARE_URL,
    URL_FORMS,
)
from .clock import format_timestamp, new_id, utc_now
from .link_pages import PageStyle, share_page
from .link_policy import LinkPolicy, decide
from .link_store import LinkStore, StoredMessage
from .problems import Problem
from .routing import Claim, Context, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

MAX_BODY_BYTES: Final = 1024 * 1024
CONTEXTS: Final = ("message", "post", "profile")
SHARE_PREFIX: Final = "/link/v1/share/"
CANONICAL_PREFIX: Final = "/posts/"
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SLUG: Final = re.compile(r"[^a-z0-9]+")


def _json_object(ctx: Context) -> dict[str, Any]:
    try:
        body = json.loads(read_body(ctx.request, MAX_BODY_BYTES))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past Python's stack
        raise Problem(422, "INVALID", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Problem(422, "INVALID", "the body must be a JSON object")
    return body


def _string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise Problem(422, "INVALID", f"`{key}` must be a string")
    if _SURROGATE.search(value):
        # JSON can spell a lone surrogate; text is Unicode scalar values (COMMON C5).
        raise Problem(422, "INVALID", f"`{key}` holds a lone surrogate, not a Unicode scalar value")
    return value


def slug(text: str) -> str:
    """A short ASCII slug of a post's first words (``post`` when it has none)."""
    words = _SLUG.sub("-", text.lower()).strip("-")
    return words[:40].rstrip("-") or "post"


class LinkModule:
    """The LINK routes over their own small store."""

    def __init__(
        self, store: LinkStore, users: Mapping[str, str], choices: ChoiceSet = DEFAULT
    ) -> None:
        self._store = store
        self._user_ids = frozenset(users.values())
        self._choices = choices
        self._policy = LinkPolicy(choices[POLICY_FORM])
        self._style = PageStyle(
            choices[SHARE_ESCAPING],
            choices[SHARE_LAYOUT],
            choices[SHARE_CHARSET],
            choices[SHARE_CHROME],
        )
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def routes(self) -> Sequence[Route]:
        """The policy, resolve, messages, posts and the share pages."""
        return [
            Route("/.well-known/link-policy", ("GET",), self.policy, anonymous=True),
            Route("/link/v1/resolve", ("POST",), self.resolve),
            Route("/link/v1/messages", ("POST",), self.send_message),
            Route("/link/v1/messages/<id>", ("GET",), self.get_message),
            Route("/link/v1/posts", ("POST",), self.create_post),
            Route(SHARE_PREFIX + "<id>", ("GET",), self.share, anonymous=True),
            Route("/p/<id>/<slug>", ("GET",), self.share, anonymous=True),
            Route(CANONICAL_PREFIX + "<id>", ("GET",), self.canonical, anonymous=True),
        ]

    def claims(self) -> Sequence[Claim]:
        """LINK 1.0 with both profiles."""
        return [Claim("LINK", "1.0", ("core", "share"))]

    def limits(self) -> Mapping[str, int]:
        """LINK declares no limits."""
        return {}

    def close(self) -> None:
        """Close the store."""
        self._store.close()

    def _new_id(self, kind: str) -> str:
        style = self._choices[IDS]
        if style == "uuid":
            return str(uuid.uuid4())
        with self._lock:
            number = next(self._counter)
        if style == "numeric":
            return str(number)
        if style == "punctuated":
            # Characters a path must percent-encode ("#") or may keep (":", "+", "=").
            return f"{kind[0]}:{utc_now():%Y%m%d}#{number}+{uuid.uuid4().hex[:4]}="
        return new_id(kind)

    def policy(self, ctx: Context) -> Response:
        """GET /.well-known/link-policy."""
        return json_response(self._policy.document())

    def resolve(self, ctx: Context) -> Response:
        """POST /link/v1/resolve: the policy's decision, whoever asks."""
        body = _json_object(ctx)
        url = _string(body, "url")
        if body.get("context") not in CONTEXTS:
            raise Problem(422, "INVALID", f"`context` must be one of {', '.join(CONTEXTS)}")
        decision = decide(
            self._policy,
            url,
            url_forms=self._choices[URL_FORMS],
            reason_form=self._choices[REASON_FORM],
        )
        if self._choices[DECISION_EXTRAS] == "recorded":
            decision |= {
                "decision_id": str(uuid.uuid4()),
                "decided_at": format_timestamp(utc_now()),
            }
        return json_response(decision, self._choices[RESOLVE_STATUS])

    def _message_body(self, message: StoredMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": message.id,
            "from": message.sender,
            "to": message.recipient,
            "text": message.text,
            "sent_at": message.sent_at,
        }
        if self._choices[CREATED_BODY] == "representation":
            body["status"] = "delivered"
        return body

    def send_message(self, ctx: Context) -> Response:
        """POST /link/v1/messages: stored and delivered exactly as sent."""
        sender = ctx.account
        body = _json_object(ctx)
        to, text = _string(body, "to"), _string(body, "text")
        if to not in self._user_ids:
            raise Problem(422, "INVALID", f"no user {to!r} to send to")
        message = StoredMessage(self._new_id("msg"), sender, to, text, format_timestamp(utc_now()))
        self._store.add_message(message)
        location = {"Location": f"/link/v1/messages/{quote(message.id, safe='')}"}
        if self._choices[CREATED_BODY] == "representation":
            return json_response(self._message_body(message), 201, location)
        return json_response({"id": message.id}, 201, location)

    def get_message(self, ctx: Context) -> Response:
        """GET /link/v1/messages/{id}: for its sender and its recipient only."""
        message = self._store.message(ctx.args["id"])
        if message is None or ctx.account not in (message.sender, message.recipient):
            raise Problem(404, "NOT_FOUND", f"no message {ctx.args['id']!r} for this account")
        return json_response(self._message_body(message))

    def _share_url(self, ctx: Context, post_id: str, text: str) -> str:
        form = self._choices[SHARE_URL]
        quoted = quote(post_id, safe="")
        if form == "absolute-slug":
            return f"{ctx.request.host_url}p/{quoted}/{slug(text)}?ref=share"
        if form == "relative":
            return f"share/{quoted}"  # against /link/v1/posts
        if form == "scheme-relative":
            return f"//{ctx.request.host}{SHARE_PREFIX}{quoted}?s=1"
        return SHARE_PREFIX + quoted

    def create_post(self, ctx: Context) -> Response:
        """POST /link/v1/posts: a public post and the URL of its page."""
        author = ctx.account
        text = _string(_json_object(ctx), "text")
        post_id = self._new_id("post")
        created_at = format_timestamp(utc_now())
        self._store.add_post(post_id, author, text, created_at)
        body: dict[str, Any] = {"id": post_id, "share_url": self._share_url(ctx, post_id, text)}
        if self._choices[CREATED_BODY] == "representation":
            body |= {"author": author, "text": text, "created_at": created_at}
            location = {"Location": CANONICAL_PREFIX + quote(post_id, safe="")}
            return json_response(body, 201, location)
        return json_response(body, 201)

    def share(self, ctx: Context) -> Response:
        """GET a share URL: the page, or the same redirect to it for every visitor."""
        post_id = ctx.args["id"]
        if self._store.post_text(post_id) is None:
            raise Problem(404, "NOT_FOUND", "no such post")
        status = self._choices[SHARE_REDIRECT]
        if status == "none":
            return self.canonical(ctx)
        target = CANONICAL_PREFIX + quote(post_id, safe="")
        if status == "301":
            target = ctx.request.host_url.rstrip("/") + target
        return Response("", status=int(status), headers={"Location": target})

    def canonical(self, ctx: Context) -> Response:
        """GET the post's page: the same status and text for every visitor."""
        text = self._store.post_text(ctx.args["id"])
        if text is None:
            raise Problem(404, "NOT_FOUND", "no such post")
        page, headers = share_page(
            text, ctx.args["id"], self._style, ctx.request.headers.get("User-Agent", "")
        )
        response = Response(page, status=200)
        for name, value in headers.items():
            response.headers[name] = value
        return response


def create(ctx: ModuleContext) -> LinkModule:
    """The LINK module, with its store beside the platform's database."""
    return LinkModule(
        LinkStore(ctx.store.data_dir / "link.sqlite3"), ctx.identities.users, ctx.choices
    )
