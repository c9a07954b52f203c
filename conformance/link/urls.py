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


@st.composite
def link_samples(draw: st.DrawFn) -> LinkSample:
    """A scheme, an optional subdomain label and a path, query and fragment."""
    segments = draw(st.lists(_run(_PATH_CHARS, 8), max_size=4))
    path = draw(st.sampled_from(["", "/"])) if not segments else "/" + "/".join(segments)
    generated_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
    label = draw(st.none() | st.sampled_from(_LABELS) | generated_label)
    fragment = draw(st.none() | _run(_QUERY_CHARS + "=&", 8))
    return LinkSample(
        draw(st.sampled_from(["https", "http"])), label, path, draw(_query()), fragment
    )


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


_FILLER: Final = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_SHARE_FILLER: Final = st.text(
    st.one_of(
        st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")),
        st.sampled_from("<>&\"'\n"),
    ),
    max_size=16,
)


def message_texts(urls: list[str]) -> st.SearchStrategy[str]:
    """Texts carrying every URL, each set apart by a space or a newline; any scalar values around."""
    return _with_fillers(urls, _FILLER)


def share_texts(urls: list[str]) -> st.SearchStrategy[str]:
    """Post texts carrying every URL: printable text, markup characters, newlines; no U+0000."""
    return _with_fillers(urls, _SHARE_FILLER)


def _with_fillers(urls: list[str], filler: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    fillers = st.lists(filler, min_size=len(urls) + 1, max_size=len(urls) + 1)
    seps = st.lists(st.sampled_from([" ", "\n"]), min_size=2 * len(urls), max_size=2 * len(urls))

    def build(parts: tuple[list[str], list[str]]) -> str:
        words, gaps = parts
        out = words[0]
        for i, url in enumerate(urls):
            out += gaps[2 * i] + url + gaps[2 * i + 1] + words[i + 1]
        return out

    return st.tuples(fillers, seps).map(build)
