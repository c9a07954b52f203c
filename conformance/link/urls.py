"""Generated URLs on the configured domains: data for request bodies, never fetched.

A :class:`LinkSample` is what varies (scheme, an optional subdomain label,
path, query and fragment); :func:`url_on` puts it on one host, written in
Unicode or A-label form, so that the same sample can be laid on a
competitor's domain and on a neutral one (LINK-001) or on every configured
domain at once. Paths and queries mix unreserved characters, sub-delims,
percent-encodings in both hex cases (``%2F``, ``%e4``), raw non-ASCII
characters (IRI form) and empty segments, values and keys.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Final

from hypothesis import strategies as st

from .hosts import ascii_host, unicode_host

_UNRESERVED: Final = string.ascii_letters + string.digits + "-._~"
_PATH_CHARS: Final = _UNRESERVED + "!$&'()*+,;=:@"
_QUERY_CHARS: Final = _UNRESERVED + "!$'()*+,;:@/?"  # no & = # : they shape the query
_NON_ASCII: Final = "éüßñ中文例кД€😀🇨🇳"
# Subdomain labels: ASCII, a U-label and its A-label, and a generated ASCII label.
_LABELS: Final = ("www", "m", "shop", "a-1", "bücher", "xn--bcher-kva", "中文")


@st.composite
def _percent(draw: st.DrawFn) -> str:
    byte = draw(st.integers(0, 255))
    text = f"%{byte:02X}"
    return text.lower() if draw(st.booleans()) else text


def _run(chars: str, max_size: int) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(chars), _percent(), st.sampled_from(_NON_ASCII))
    return st.lists(piece, max_size=max_size).map("".join)


def _query() -> st.SearchStrategy[str | None]:
    key = _run(_QUERY_CHARS, 6)
    value = _run(_QUERY_CHARS + "=", 10)
    pair = st.one_of(key, st.tuples(key, value).map(lambda kv: f"{kv[0]}={kv[1]}"))
    joiner = st.sampled_from(["&", "&", ";"])
    query = st.tuples(st.lists(pair, min_size=1, max_size=4), joiner).map(
        lambda pj: pj[1].join(pj[0])
    )
    return st.none() | query


@dataclass(frozen=True)
class LinkSample:
    """Everything of a URL but its domain: scheme, subdomain label, path, query, fragment."""

    scheme: str
    label: str | None
    path: str
    query: str | None
    fragment: str | None

    @property
    def tail(self) -> str:
        """Path, ``?query`` and ``#fragment`` as written in the URL."""
        out = self.path
        if self.query is not None:
            out += "?" + self.query
        if self.fragment is not None:
            out += "#" + self.fragment
        return out


_ITEM: Final = st.integers(10**5, 10**12)
_SHOP_LINKS: Final[st.SearchStrategy[tuple[str, str | None]]] = st.one_of(
    _ITEM.map(lambda n: ("/item.htm", f"id={n}")),
    _ITEM.map(lambda n: (f"/product/{n}", None)),
    _ITEM.map(lambda n: ("/goods/detail", f"goods_id={n}&sku={n % 97}")),
    _ITEM.map(lambda n: (f"/dp/B0{n % 10**8:08d}", "th=1")),
    st.text(string.ascii_letters + string.digits, min_size=6, max_size=10).map(
        lambda token: (f"/s/{token}", None)
    ),
)
"""Paths and queries of product pages and short links: what a platform that wants to keep
users away from a competitor's shop looks for."""

SHOP_SAMPLES: Final = (
    LinkSample("https", None, "/item.htm", "id=601234567890", None),
    LinkSample("https", "m", "/product/100023456789", None, "reviews"),
)
"""Product links tried before generated samples (LINK-001, LINK-002, LINK-003)."""


@st.composite
def link_samples(draw: st.DrawFn) -> LinkSample:
    """A scheme, an optional subdomain label and a path, query and fragment.

    One sample in three is a product page or a short link (``/item.htm?id=…``,
    ``/s/…``); the others are generated from every kind of URL character.
    """
    generated_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
    label = draw(st.none() | st.sampled_from(_LABELS) | generated_label)
    fragment = draw(st.none() | _run(_QUERY_CHARS + "=&", 8))
    scheme = draw(st.sampled_from(["https", "http"]))
    if draw(st.integers(0, 2)) == 0:
        path, query = draw(_SHOP_LINKS)
        return LinkSample(scheme, label, path, query, fragment)
    segments = draw(st.lists(_run(_PATH_CHARS, 8), max_size=4))
    path = draw(st.sampled_from(["", "/"])) if not segments else "/" + "/".join(segments)
    return LinkSample(scheme, label, path, draw(_query()), fragment)


def host_on(domain: str, label: str | None, form: str) -> str:
    """The host ``label.domain`` in ``unicode`` or ``ascii`` (A-label) form."""
    host = f"{label}.{domain}" if label else domain
    return ascii_host(host) if form == "ascii" else unicode_host(host)


def url_on(sample: LinkSample, domain: str, form: str = "unicode") -> str:
    """The sample's URL on a domain (and its subdomain label), the host written in ``form``."""
    return f"{sample.scheme}://{host_on(domain, sample.label, form)}{sample.tail or ''}"


def forms_of(domain: str, label: str | None) -> tuple[str, ...]:
    """The host forms worth sending: ``unicode`` and ``ascii`` when they differ."""
    unicode_form, ascii_form = host_on(domain, label, "unicode"), host_on(domain, label, "ascii")
    return ("unicode", "ascii") if unicode_form != ascii_form else ("ascii",)


def urls_on(sample: LinkSample, domains: tuple[str, ...]) -> list[str]:
    """The sample on every domain, in every distinct host form."""
    return [url_on(sample, d, form) for d in domains for form in forms_of(d, sample.label)]


# Pieces of text a platform must carry through unchanged, code point for code
# point: sequences that Unicode normalisation (NFC, NFD, NFKC) would change,
# astral characters, emoji sequences, right-to-left text and bidi controls,
# every kind of line break, quotes, markup and what looks like escapes.
CHANGED_BY_NFC: Final = (
    "e\u0301",  # e + COMBINING ACUTE: NFC composes it to é
    "A\u030a",  # A + COMBINING RING ABOVE
    "\u212b",  # ANGSTROM SIGN: NFC maps it to Å
    "\u2126",  # OHM SIGN: NFC maps it to Ω
    "\u1100\u1161\u11a8",  # Hangul jamo: NFC composes them to 각
    "a\u0323\u0301",  # two combining marks: NFC composes and reorders
    "\uf900",  # a CJK compatibility ideograph: NFC maps it
)
UNSTABLE_UNDER_NORMALISATION: Final = (
    *CHANGED_BY_NFC,
    "\u00e9",  # é precomposed: NFD decomposes it
    "\ufb01",  # LATIN SMALL LIGATURE FI: NFKC maps it to "fi"
    "\uff28\uff45\uff4c\uff4c\uff4f",  # full-width Hello: NFKC maps it
)
TRICKY_PIECES: Final = (
    *UNSTABLE_UNDER_NORMALISATION,
    "😀",
    "👩\u200d💻",
    "🇨🇳",
    "\u263a\ufe0f",
    "𝐀𝐁",
    "שלום",
    "مرحبا",
    "\u202eabc\u202c",
    "\u200f",
    "\u2066x\u2069",
    "\r\n",
    "\r",
    "\n\n",
    "\t",
    "  ",
    "\u2028",
    "\u2029",
    "\u00a0",
    "\u3000",
    "\u200b",
    "\u00ad",
    "\ufeff",
    "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb",
    "<script>alert(1)</script>",
    "&amp; &lt; &#x41;",
    "\\u0000 \\n",
    "\x00",
)
"""Pieces every generated message carries some of (LINK-004 compares code points)."""

_SHARE_TRICKY: Final = tuple(p for p in TRICKY_PIECES if "\x00" not in p)
TRICKY_SHARE_TEXT: Final = (
    "".join(_SHARE_TRICKY[:12]) + " https://example.com/a?b=1&c=2#f " + " ".join(_SHARE_TRICKY[12:])
)
"""A post text with every tricky piece HTML can carry (no U+0000), tried before generated ones."""

_FILLER: Final = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(TRICKY_PIECES),
)
_SHARE_FILLER: Final = st.one_of(
    st.text(
        st.one_of(
            st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")),
            st.sampled_from("<>&\"'\n\r\t"),
        ),
        max_size=16,
    ),
    st.sampled_from(_SHARE_TRICKY),
)


def message_texts(urls: list[str]) -> st.SearchStrategy[str]:
    """Texts carrying every URL, each set apart by a space or a newline; any scalar values around.

    The first piece is always one that NFC (the usual normalisation) changes,
    so a platform that normalises message text is caught by every example.
    """
    return _with_fillers(urls, _FILLER, st.sampled_from(CHANGED_BY_NFC))


def share_texts(urls: list[str]) -> st.SearchStrategy[str]:
    """Post texts carrying every URL: printable text, markup, line breaks, tricky pieces; no
    U+0000 and no control characters but tab, LF and CR (which HTML renders as white space)."""
    return _with_fillers(urls, _SHARE_FILLER, st.sampled_from(CHANGED_BY_NFC))


def _with_fillers(
    urls: list[str], filler: st.SearchStrategy[str], first: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    fillers = st.lists(filler, min_size=len(urls) + 1, max_size=len(urls) + 1)
    seps = st.lists(st.sampled_from([" ", "\n"]), min_size=2 * len(urls), max_size=2 * len(urls))

    def build(parts: tuple[str, list[str], list[str]]) -> str:
        lead, words, gaps = parts
        out = lead + words[0]
        for i, url in enumerate(urls):
            out += gaps[2 * i] + url + gaps[2 * i + 1] + words[i + 1]
        return out

    return st.tuples(first, fillers, seps).map(build)
