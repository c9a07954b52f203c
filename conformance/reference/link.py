"""LINK 1.0: link interconnection, as a module of the reference platform.

Every link is decided by the published policy alone (:mod:`.link_policy`):
never by the domain's owner, the context, the requesting client or its
User-Agent. Messages are delivered as sent; share pages serve the same HTML
to every visitor.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from werkzeug.wrappers import Response

from .clock import format_timestamp, new_id, utc_now
from .link_policy import decide, policy_document
from .link_store import LinkStore, StoredMessage
from .problems import Problem
from .routing import Claim, Context, Route, json_response, read_body

if TYPE_CHECKING:
    from .standards import ModuleContext

MAX_BODY_BYTES: Final = 1024 * 1024
CONTEXTS: Final = ("message", "post", "profile")
SHARE_PREFIX: Final = "/link/v1/share/"


def _json_object(ctx: Context) -> dict[str, Any]:
    try:
        body = json.loads(read_body(ctx.request, MAX_BODY_BYTES))
    except (UnicodeDecodeError, ValueError):
        raise Problem(422, "INVALID", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Problem(422, "INVALID", "the body must be a JSON object")
    return body


def _string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise Problem(422, "INVALID", f"`{key}` must be a string")
    return value


def share_page(text: str) -> str:
    """The public HTML page of a post: the text escaped, line breaks kept."""
    return (
        '<!doctype html>\n<html lang="und"><head><meta charset="utf-8">'
        "<title>A shared post</title></head><body><main><article>"
        f'<p style="white-space: pre-wrap">{html.escape(text, quote=True)}</p>'
        "</article></main></body></html>\n"
    )


class LinkModule:
    """The LINK routes over their own small store."""

    def __init__(self, store: LinkStore, users: Mapping[str, str]) -> None:
        self._store = store
        self._user_ids = frozenset(users.values())

    def routes(self) -> Sequence[Route]:
        """The policy, resolve, messages, posts and the share pages."""
        return [
            Route("/.well-known/link-policy", ("GET",), self.policy, anonymous=True),
            Route("/link/v1/resolve", ("POST",), self.resolve),
            Route("/link/v1/messages", ("POST",), self.send_message),
            Route("/link/v1/messages/<id>", ("GET",), self.get_message),
            Route("/link/v1/posts", ("POST",), self.create_post),
            Route(SHARE_PREFIX + "<id>", ("GET",), self.share, anonymous=True),
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

    def policy(self, ctx: Context) -> Response:
        """GET /.well-known/link-policy."""
        return json_response(policy_document())

    def resolve(self, ctx: Context) -> Response:
        """POST /link/v1/resolve: the policy's decision, whoever asks."""
        body = _json_object(ctx)
        url = _string(body, "url")
        if body.get("context") not in CONTEXTS:
            raise Problem(422, "INVALID", f"`context` must be one of {', '.join(CONTEXTS)}")
        return json_response(decide(url))

    def send_message(self, ctx: Context) -> Response:
        """POST /link/v1/messages: stored and delivered exactly as sent."""
        sender = ctx.account
        body = _json_object(ctx)
        to, text = _string(body, "to"), _string(body, "text")
        if to not in self._user_ids:
            raise Problem(422, "INVALID", f"no user {to!r} to send to")
        message_id = new_id("msg")
        self._store.add_message(
            StoredMessage(message_id, sender, to, text, format_timestamp(utc_now()))
        )
        return json_response(
            {"id": message_id}, 201, {"Location": f"/link/v1/messages/{message_id}"}
        )

    def get_message(self, ctx: Context) -> Response:
        """GET /link/v1/messages/{id}: for its sender and its recipient only."""
        message = self._store.message(ctx.args["id"])
        if message is None or ctx.account not in (message.sender, message.recipient):
            raise Problem(404, "NOT_FOUND", f"no message {ctx.args['id']!r} for this account")
        return json_response(
            {
                "id": message.id,
                "from": message.sender,
                "to": message.recipient,
                "text": message.text,
                "sent_at": message.sent_at,
            }
        )

    def create_post(self, ctx: Context) -> Response:
        """POST /link/v1/posts: a public post and the URL of its page."""
        author = ctx.account
        text = _string(_json_object(ctx), "text")
        post_id = new_id("post")
        self._store.add_post(post_id, author, text, format_timestamp(utc_now()))
        return json_response({"id": post_id, "share_url": SHARE_PREFIX + post_id}, 201)

    def share(self, ctx: Context) -> Response:
        """GET a share page: the same HTML for every visitor, whatever its User-Agent."""
        text = self._store.post_text(ctx.args["id"])
        if text is None:
            raise Problem(404, "NOT_FOUND", "no such post")
        return Response(share_page(text), status=200, content_type="text/html; charset=utf-8")


def create(ctx: ModuleContext) -> LinkModule:
    """The LINK module, with its store beside the platform's database."""
    return LinkModule(LinkStore(ctx.store.data_dir / "link.sqlite3"), ctx.identities.users)
