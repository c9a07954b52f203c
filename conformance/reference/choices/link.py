"""LINK's open choices (see ../../../docs/CHOICES.md).

Each one is a place where LINK.md lets a conformant platform do one thing
or another; the reference takes the option its ``ChoiceSet`` names
(:mod:`conformance.reference.link`, :mod:`~conformance.reference.link_pages`).
"""

from __future__ import annotations

from typing import Any, Final

from .common import C5_EXTENSIBLE
from .core import Choice

_LINK_SHARE: Final = (
    'LINK.md, Operations: "`POST /link/v1/posts` `{"text"}` → `201`, `{"id", "share_url"}`; '
    "`GET <share_url>` (anonymous, any client) → the public page of the post, `text/html`, "
    'whose text (as served, parsed as HTML, before any script runs) contains the post text"'
)

IDS: Final = Choice(
    "link.ids",
    default="prefixed",
    alt="uuid",
    others=("numeric", "punctuated"),
    source='COMMON C5: "IDs are opaque strings"; LINK.md names `{"id"}` and nothing of its form',
    description='Message and post ids: `msg_<hex>`; a UUID; a decimal counter (`"17"`); or '
    "opaque text with characters a path must percent-encode (`m:2026#7+Q=`).",
)
RESOLVE_STATUS: Final = Choice(
    "link.resolve_status",
    default=200,
    alt=201,
    source='LINK.md: "`POST /link/v1/resolve` … → `{"url", "action", "reason", "open_url"}`" '
    '(no status named); COMMON C5: "201 or 200 where both are allowed"',
    description="Status of a resolve answer: 200, or 201 (the decision recorded as a resource).",
)
DECISION_EXTRAS: Final = Choice(
    "link.decision_extras",
    default="none",
    alt="recorded",
    source='LINK.md: `{"url", "action", "reason", "open_url"}`; ' + C5_EXTENSIBLE,
    description="Members of a decision LINK does not define: none, or `recorded` (a fresh "
    "`decision_id` and the `decided_at` time on every answer).",
)
CREATED_BODY: Final = Choice(
    "link.created_body",
    default="minimal",
    alt="representation",
    source='LINK.md: "→ `201`, `{"id"}`" and "→ `201`, `{"id", "share_url"}`"; ' + C5_EXTENSIBLE,
    description="The 201 bodies: the members LINK names, or the whole resource (the message "
    "with `from`, `to`, `text`, `sent_at` and a `status`; the post with its text and "
    "`created_at`), with a `Location` header.",
)
SHARE_URL: Final = Choice(
    "link.share_url",
    default="path",
    alt="absolute-slug",
    others=("relative", "scheme-relative"),
    source=_LINK_SHARE + "; the draft leaves the form of `share_url` to the platform",
    description="`share_url`: an absolute path (`/link/v1/share/<id>`); an absolute URL on the "
    "platform's origin with a slug and a query (`http://host/p/<id>/<slug>?ref=share`); a "
    "relative reference (`share/<id>`, against the POST's URL); or a scheme-relative one "
    "(`//host/link/v1/share/<id>?s=1`).",
)
SHARE_REDIRECT: Final = Choice(
    "link.share_redirect",
    default="none",
    alt="308",
    others=("301", "302"),
    source='LINK-007: "with no redirect that depends on them" (a redirect that is the same '
    "for every visitor is allowed)",
    description="Whether `GET <share_url>` answers the page itself, or a redirect (this "
    "status, the same for every visitor) to the post's canonical page `/posts/<id>`.",
)
SHARE_ESCAPING: Final = Choice(
    "link.share_escaping",
    default="escape",
    alt="references",
    strict="minimal",
    source=_LINK_SHARE + '; COMMON C5: "an HTML page escapes it as HTML requires" (HTML '
    "allows any character to be written as a character reference)",
    description="How the page writes the post text: `escape` (`&`, `<`, `>`, quotes as named "
    "references); `references` (every character but ASCII letters, digits and whitespace "
    "as a named, decimal or hexadecimal character reference); `minimal` (only `&`, and `<` "
    "before a letter, `!`, `/` or `?`: what HTML requires and no more).",
)
SHARE_LAYOUT: Final = Choice(
    "link.share_layout",
    default="pre-wrap",
    alt="linkified",
    others=("paragraphs",),
    source=_LINK_SHARE,
    description="How the text is laid out: one element with `white-space: pre-wrap`; "
    "`linkified` (URLs as `<a href>`, words in `<span>`s with comments and `<wbr>` between "
    "them, newlines as `<br>`); or `paragraphs` (a `<p>` per line).",
)
SHARE_CHARSET: Final = Choice(
    "link.share_charset",
    default="header",
    alt="meta",
    others=("both",),
    source="HTML Living Standard §13.2.3 (determining the character encoding: BOM, the "
    "transport's `charset`, then a `<meta charset>` prescan); " + _LINK_SHARE,
    description="Where the page declares UTF-8: the `Content-Type` `charset` parameter, only "
    "a `<meta charset>` (a bare `text/html`), or both.",
)
SHARE_CHROME: Final = Choice(
    "link.share_chrome",
    default="plain",
    alt="per-visitor",
    source='LINK-007 asks for "the same status and the same post text" for every visitor, '
    "not the same bytes; " + C5_EXTENSIBLE,
    description="What the page holds besides the text: nothing, or `per-visitor` chrome (an "
    "app banner for mobile and in-app browsers, Open Graph tags and JSON-LD for crawlers, a "
    "fresh CSP nonce and a JSON hydration script on every answer, `Vary: User-Agent`), the "
    "post text always in full.",
)
REASON_FORM: Final = Choice(
    "link.reason_form",
    default="code",
    alt="described",
    source='LINK.md: `"reason": null | {"code"}`; ' + C5_EXTENSIBLE,
    description='The `reason` of a warn or block: `{"code"}`, or with the published '
    "`description` and the policy `version` beside the code.",
)
URL_FORMS: Final = Choice(
    "link.url_forms",
    default="as-given",
    alt="normalised",
    source='LINK-006: "for `open` and `warn`, `open_url` keeps the scheme, host, path and '
    'query of the URL given"; LINK-002 asks for the same characters only for a legal link '
    "(`open`); the draft does not define the `url` member beyond naming it",
    description="The `url` echo and the `open_url` of a `warn`: as given, or normalised "
    "(RFC 3986 §6.2.2: host in A-labels, IRI characters and percent-encodings in upper "
    "case, no fragment). An `open` always takes the URL given, character for character.",
)
POLICY_FORM: Final = Choice(
    "link.policy_form",
    default="plain",
    alt="extended",
    source='LINK.md: "a listed domain covers its subdomains, and where several listed domains '
    'cover a host, the longest one decides"; RFC 4343 (host names compare case-insensitively); '
    "RFC 5891 (IDNs in U-labels); " + C5_EXTENSIBLE,
    description="The published policy: lower-case A-label domains; or `extended`: domains in "
    "mixed case, an IDN listed in Unicode form, a listed subdomain of a neutral domain "
    "(`m.news.example.net`), a reason no listing uses, extra members on entries, listings in "
    "another order.",
)

CHOICES: Final[tuple[Choice[Any], ...]] = (
    IDS,
    RESOLVE_STATUS,
    DECISION_EXTRAS,
    CREATED_BODY,
    SHARE_URL,
    SHARE_REDIRECT,
    SHARE_ESCAPING,
    SHARE_LAYOUT,
    SHARE_CHARSET,
    SHARE_CHROME,
    REASON_FORM,
    URL_FORMS,
    POLICY_FORM,
)
