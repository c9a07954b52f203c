"""The FAIR listing on the reference platform: search, order, pages and page tokens.

Every option here is one ``fair.*`` choice (page sizes, uneven pages, token
shapes, the last page's token, order, search); none depends on who asks,
except that ``bound`` tokens are honoured only for the credential they were
issued to, as FAIR allows ("Page tokens are opaque and may differ between
clients"). Tokens are signed, so a token the platform did not issue is a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .fair_catalog import Item
from .problems import Problem

_WORD = re.compile(r"\w+")


def matches(item: Item, query: str, search: str) -> bool:
    """Whether an item's title matches ``query`` under the ``fair.search`` rule."""
    if search == "words":
        title_words = _WORD.findall(item.title.casefold())
        return all(
            any(word.startswith(q) for word in title_words) for q in _WORD.findall(query.casefold())
        )
    return query.casefold() in item.title.casefold()


def ordered(items: Sequence[Item], order: str) -> list[Item]:
    """The listing order of ``fair.item_order``."""
    if order == "title":
        return sorted(items, key=lambda i: (i.title.casefold(), i.id))
    if order == "price":
        return sorted(items, key=lambda i: (-i.price, i.id))
    return list(items)


@dataclass(frozen=True)
class PageState:
    """What a page token says: where the next page starts and for which listing."""

    offset: int
    query: str
    page: int


@dataclass
class Pager:
    """Cuts a listing into pages and issues and reads the tokens between them."""

    sizes: tuple[int, int] = (10, 50)
    fill: str = "full"
    tokens: str = "nonce"
    last_page: str = "null"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def limit(self, raw: str | None) -> int:
        """The page size for a ``limit`` parameter: clamped to the largest page, never refused."""
        default, largest = self.sizes
        if raw is None:
            return min(default, largest)
        digits = raw.lstrip("0")
        # ASCII only: "²" is a digit to isdigit() but not to int().
        if not raw.isascii() or not raw.isdigit() or not digits:
            raise Problem(400, "INVALID", "limit must be a whole number of at least 1")
        # More digits than the largest page has is the largest page (int() refuses past 4300).
        return largest if len(digits) > len(str(largest)) else min(int(digits), largest)

    def page(
        self,
        listing: Sequence[Item],
        query: str,
        raw_limit: str | None,
        token: str | None,
        credential: str,
    ) -> tuple[list[Item], str | None]:
        """One page of ``listing`` and the token of the next (None on the last page)."""
        state = self.read(token, query, credential) if token else PageState(0, query, 0)
        size = self.limit(raw_limit)
        if self.fill == "uneven" and state.page % 2 == 1:
            size = max(1, size - 1)
        chunk = list(listing[state.offset : state.offset + size])
        after = state.offset + len(chunk)
        if after >= len(listing):
            return chunk, None
        return chunk, self.issue(PageState(after, state.query, state.page + 1), credential)

    def effective_query(self, token: str | None, query: str, credential: str) -> str:
        """The query a request lists: the token's own when tokens carry it."""
        if token and self.tokens == "carried":
            return self.read(token, query, credential).query
        return query

    def issue(self, state: PageState, credential: str) -> str:
        """A signed, opaque token for ``state``."""
        data: dict[str, Any] = {"o": state.offset, "q": state.query, "p": state.page}
        if self.tokens in ("nonce", "bound", "carried"):
            data["n"] = secrets.token_hex(4)
        if self.tokens == "bound":
            data["c"] = self._mac(credential.encode())[:12]
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        mac = self._mac(raw)[:16]
        return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + mac

    def read(self, token: str, query: str, credential: str) -> PageState:
        """The state a token carries; 400 for a token this platform did not issue or not here."""
        encoded, _, mac = token.rpartition(".")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            valid = hmac.compare_digest(mac, self._mac(raw)[:16])
            data: Any = json.loads(raw) if valid else None
            state = PageState(int(data["o"]), str(data["q"]), int(data["p"]))
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise Problem(400, "INVALID", "page_token is not one this platform issued") from None
        if state.offset < 0:
            raise Problem(400, "INVALID", "page_token is not one this platform issued")
        if self.tokens == "bound" and data.get("c") != self._mac(credential.encode())[:12]:
            raise Problem(400, "INVALID", "page_token was issued to another credential")
        if self.tokens != "carried" and state.query != query:
            raise Problem(400, "INVALID", "page_token does not belong to this query")
        return state

    def _mac(self, data: bytes) -> str:
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()
