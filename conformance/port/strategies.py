"""Hypothesis strategies for ``port/1.0`` data: valid archives to import, and invalid lines.

Every record builder takes a :class:`_Source` of values. Drawn from Hypothesis
(:class:`_Drawn`), values shrink; drawn from a seeded ``random.Random``
(:class:`_Seeded`), thousands of records cost one draw. :func:`archives`
builds its first few records the first way and the rest the second way,
which keeps a 2 000-record archive inside Hypothesis's data budget while a
small failing archive still shrinks field by field.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Context, Decimal, Inexact, Rounded, localcontext
from typing import NamedTuple, Protocol, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from conformance.port.archive import JsonObject, serialize
from conformance.port.equality import instant_millis

T = TypeVar("T")

MAX_POST_CODE_POINTS = 10_000

NASTY_TEXT: tuple[str, ...] = (
    # astral characters: emoji, a modifier sequence, a ZWJ family, a flag, the last scalar
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1eb\U0001f1f7",
    "\U0010ffff",
    "\U0001d11e",
    # the same letters composed and decomposed: NFC/NFD would change these
    "e\u0301",
    "\u00e9",
    "\u212b",
    "A\u030a",
    "\u1e9b\u0323",
    "\uac00",
    "\u1100\u1161",
    "\ufb01",
    # right-to-left text and bidi controls
    "\u05e9\u05dc\u05d5\u05dd",
    "\u0645\u0631\u062d\u0628\u0627",
    "\u202e",
    "\u200f",
    # controls and invisible characters
    "\u0000",
    "\u0007",
    "\u001b[31m",
    "\u007f",
    "\ufeff",
    "\u200b",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\ufffd",
    "\uffff",
    # markup and escapes a platform might interpret
    "<script>alert(1)</script>",
    "&amp;",
    "&lt;b&gt;",
    '"',
    "'",
    "\\",
    "\\n",
    "\\u0000",
    "%00",
    "${jndi:x}",
    "{{7*7}}",
    "'; DROP TABLE posts; --",
    # line breaks of every convention, and whitespace that trimming would eat
    "\r",
    "\n",
    "\r\n",
    "\t",
    " ",
    "  ",
)
"""Pieces that platforms commonly damage; :func:`texts` mixes them into arbitrary text."""

SAMPLE_MONEY: tuple[str, ...] = (
    "0",
    "0.0",
    "0.1",
    "0.10",
    "0.01",
    "0.000001",
    "1",
    "19.90",
    "19.99",
    "100",
    "999999.999999",
    "1234567890.123456",
)

OFFSETS: tuple[str, ...] = (
    "Z",
    "+00:00",
    "+05:30",
    "-08:00",
    "+05:45",
    "+14:00",
    "-12:00",
    "-03:30",
)
LOCALES = ("en", "en-US", "de-CH-1996", "zh-Hans-CN", "sr-Latn-RS", "ar-EG", "he", "es-419", "und")
VISIBILITIES = ("public", "followers", "private")
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
CURRENCIES = ("EUR", "USD", "JPY", "CNY", "GBP", "CHF", "KWD", "INR", "BRL")
MEDIA_TYPES = ("image/png", "image/jpeg", "video/mp4", "application/octet-stream", "text/plain")
PLATFORMS = ("mastodon", "bluesky", "matrix", "xmpp", "wechat", "x", "\u5fae\u535a")
FILENAMES = (
    "photo.jpg",
    "../../etc/passwd",
    "a\\b.png",
    "CON",
    ".hidden",
    "",
    "r\u00e9sum\u00e9.pdf",
)
URLS = ("https://old.example/media/1", "/media/1", "", "not a url", "file:///etc/passwd")
NASTY_EMAILS = (
    "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a",
    '"a b"@example.org',
    "o'neil+tag@example.com",
)
EMAIL_DOMAINS = ("example.org", "example.com", "mail.example.co.uk", "xn--bcher-kva.example")
ID_STYLES = ("sequential", "uuid", "odd")
RECORD_TYPES = ("Post", "Media", "Contact", "Order", "Review")

_SHORT = 20
_LONG = 60
# Records built from Hypothesis draws in one archive; the rest come from a
# seeded Random. Six keep an archive inside Hypothesis's 8 KiB choice budget
# (the self-tests run with the health checks that would report an overrun).
_DRAWN_RECORDS = 6
_TRAPPING = Context(prec=200, traps=[Inexact, Rounded])


# --------------------------------------------------------------------------- values


def texts(*, max_size: int = _LONG) -> SearchStrategy[str]:
    """Strings of Unicode scalar values (no surrogates) of at most ``max_size`` code points.

    Arbitrary characters are deliberately mixed with :data:`NASTY_TEXT`
    (astral characters, combining and decomposable characters, RTL, U+0000,
    markup, quotes, backslash, CR/LF/CRLF, U+FEFF) and sometimes wrapped in
    leading and trailing whitespace, the things platforms normalise or trim.
    """
    if max_size < 0:
        raise ValueError(f"max_size must be >= 0, got {max_size}")
    return _texts(max_size)


# Strategies are immutable, and building and validating one per drawn field
# cost more than the drawing itself, so each is built once per parameters.
@functools.cache
def _texts(max_size: int) -> SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.text(st.characters(codec="utf-8"), max_size=8),
    )
    core = st.lists(piece, max_size=6).map("".join)
    # Mostly no edge, so that whitespace does not drown the rest.
    edge = st.sampled_from(("", "", "", "", " ", "\t ", "\n"))
    return st.builds(_fit, edge, core, edge, st.just(max_size))


def _fit(lead: str, core: str, trail: str, max_size: int) -> str:
    # Trim the middle, not the edges, so the whitespace a platform might
    # strip survives the size limit.
    room = max_size - len(lead) - len(trail)
    if room < 0:
        return (lead + trail)[:max_size]
    return lead + core[:room] + trail


def money(
    *, allow_negative: bool = False, max_integer_digits: int = 10, max_fraction_digits: int = 6
) -> SearchStrategy[str]:
    """Decimal strings matching ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?``, never with an exponent.

    Trailing zeros occur (``"0.10"``): money round-trips as a decimal
    number, so a platform may answer ``"0.1"``, but it must not pass the
    amount through a float. Prices are non-negative unless ``allow_negative``.
    """
    if max_integer_digits < 1 or max_fraction_digits < 0:
        raise ValueError("max_integer_digits must be >= 1 and max_fraction_digits >= 0")
    return _money(allow_negative, max_integer_digits, max_fraction_digits)


@functools.cache
def _money(
    allow_negative: bool, max_integer_digits: int, max_fraction_digits: int
) -> SearchStrategy[str]:
    samples = [
        amount
        for amount in SAMPLE_MONEY
        if len(amount.partition(".")[0]) <= max_integer_digits
        and len(amount.partition(".")[2]) <= max_fraction_digits
    ]
    integer_part = st.one_of(st.just("0"), st.integers(1, 10**max_integer_digits - 1).map(str))
    fraction = (
        st.one_of(
            st.just(""),
            st.text("0123456789", min_size=1, max_size=max_fraction_digits).map(
                lambda digits: "." + digits
            ),
        )
        if max_fraction_digits
        else st.just("")
    )
    amounts = st.one_of(st.sampled_from(samples), st.builds(str.__add__, integer_part, fraction))
    if allow_negative:
        return st.builds(_signed, st.booleans(), amounts)
    return amounts


def _signed(negative: bool, amount: str) -> str:
    return "-" + amount if negative else amount


def timestamps(
    *, min_year: int = 1970, max_year: int = 2099, offsets: Sequence[str] = OFFSETS
) -> SearchStrategy[str]:
    """RFC 3339 date-times with an offset (``Z``, ``+05:30``, ``-08:00``...) and 0 to 6
    fractional digits, between ``min_year`` and ``max_year`` in UTC."""
    return _timestamps(min_year, max_year, tuple(offsets))


@functools.cache
def _timestamps(min_year: int, max_year: int, offsets: tuple[str, ...]) -> SearchStrategy[str]:
    instants = st.datetimes(
        min_value=datetime(min_year, 1, 2), max_value=datetime(max_year, 12, 30, 23, 59, 59)
    )
    return st.builds(_format_timestamp, instants, st.sampled_from(offsets), st.integers(0, 6))


def _format_timestamp(instant: datetime, offset: str, digits: int) -> str:
    # `instant` is naive UTC; the years are kept a day inside the range so
    # no offset can push the local time out of datetime's bounds.
    minutes = _offset_minutes(offset)
    local = instant.replace(tzinfo=None) + timedelta(minutes=minutes)
    fraction = f"{local.microsecond:06d}"[:digits]
    return local.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + offset


def _offset_minutes(offset: str) -> int:
    if offset in ("Z", "z"):
        return 0
    sign = -1 if offset[0] == "-" else 1
    return sign * (int(offset[1:3]) * 60 + int(offset[4:6]))


@functools.cache
def phones() -> SearchStrategy[str]:
    """E.164 numbers: ``+`` then 2 to 15 digits, the first 1 to 9."""
    return st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True)


@functools.cache
def emails() -> SearchStrategy[str]:
    """E-mail addresses, including quoted and internationalised ones."""
    return st.one_of(
        st.emails(domains=st.sampled_from(EMAIL_DOMAINS)), st.sampled_from(NASTY_EMAILS)
    )


def archive_ids() -> SearchStrategy[str]:
    """Opaque archive ids: sequential-looking, UUIDs, or arbitrary non-empty text."""
    return st.one_of(
        st.integers(1, 10**6).map(lambda n: f"a{n}"),
        st.uuids().map(str),
        texts(max_size=_SHORT).filter(bool),
    )


# --------------------------------------------------------------------------- sources


class _Source(Protocol):
    def text(self, max_size: int) -> str: ...
    def timestamp(self) -> str: ...
    def money(self) -> str: ...
    def email(self) -> str: ...
    def phone(self) -> str: ...
    def integer(self, low: int, high: int) -> int: ...
    def pick(self, options: Sequence[T]) -> T: ...
    def some(self, options: Sequence[str], max_count: int) -> list[str]: ...
    def content(self, max_bytes: int) -> bytes: ...


class _Drawn:
    """Values drawn from Hypothesis, so they shrink; texts are kept for :class:`_Seeded`."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw
        self.seen_texts: list[str] = []
        self.seen_emails: list[str] = []

    def text(self, max_size: int) -> str:
        value = self._draw(texts(max_size=max_size))
        self.seen_texts.append(value)
        return value

    def timestamp(self) -> str:
        return self._draw(timestamps())

    def money(self) -> str:
        return self._draw(money())

    def email(self) -> str:
        value = self._draw(emails())
        self.seen_emails.append(value)
        return value

    def phone(self) -> str:
        return self._draw(phones())

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))

    def some(self, options: Sequence[str], max_count: int) -> list[str]:
        if not options:
            return []
        return self._draw(st.lists(st.sampled_from(options), unique=True, max_size=max_count))

    def content(self, max_bytes: int) -> bytes:
        # The bytes themselves do not matter to any check, only their hash,
        # so a seed stands in for them instead of spending the data budget.
        size = self._draw(st.integers(0, max_bytes))
        seed = self._draw(st.integers(0, 2**32 - 1))
        return random.Random(seed).randbytes(size)


class _Seeded:
    """Values from a seeded Random: one Hypothesis draw for any number of records."""

    def __init__(self, rng: random.Random, drawn: _Drawn) -> None:
        self._rng = rng
        self._drawn = drawn

    def text(self, max_size: int) -> str:
        parts: list[str] = []
        for _ in range(self._rng.randint(0, 4)):
            roll = self._rng.random()
            if roll < 0.4:
                parts.append(self._rng.choice(NASTY_TEXT))
            elif roll < 0.6 and self._drawn.seen_texts:
                parts.append(self._rng.choice(self._drawn.seen_texts))
            else:
                parts.append(self._scalars(self._rng.randint(1, 12)))
        return "".join(parts)[:max_size]

    def _scalars(self, count: int) -> str:
        chars: list[str] = []
        for _ in range(count):
            roll = self._rng.random()
            if roll < 0.6:
                code = self._rng.randint(0x20, 0x7E)
            else:
                # Any scalar value: skip the surrogate block by shifting past it.
                code = self._rng.randint(0, 0x10FFFF - 0x800)
                if code >= 0xD800:
                    code += 0x800
            chars.append(chr(code))
        return "".join(chars)

    def timestamp(self) -> str:
        seconds = self._rng.randint(86_400, 4_102_358_400)
        instant = datetime(1970, 1, 1) + timedelta(
            seconds=seconds, microseconds=self._rng.randint(0, 999_999)
        )
        return _format_timestamp(instant, self._rng.choice(OFFSETS), self._rng.randint(0, 6))

    def money(self) -> str:
        if self._rng.random() < 0.3:
            return self._rng.choice(SAMPLE_MONEY)
        whole = str(self._rng.randint(0, 10 ** self._rng.randint(1, 10) - 1))
        digits = "".join(self._rng.choice("0123456789") for _ in range(self._rng.randint(0, 6)))
        return f"{whole}.{digits}" if digits else whole

    def email(self) -> str:
        known = self._drawn.seen_emails
        if known and self._rng.random() < 0.5:
            return self._rng.choice(known)
        if self._rng.random() < 0.2:
            return self._rng.choice(NASTY_EMAILS)
        return f"user{self._rng.randint(0, 10**6)}@{self._rng.choice(EMAIL_DOMAINS)}"

    def phone(self) -> str:
        rest = "".join(self._rng.choice("0123456789") for _ in range(self._rng.randint(1, 14)))
        return f"+{self._rng.randint(1, 9)}{rest}"

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return self._rng.choice(options)

    def some(self, options: Sequence[str], max_count: int) -> list[str]:
        count = min(len(options), self._rng.randint(0, max_count))
        return self._rng.sample(list(options), count)

    def content(self, max_bytes: int) -> bytes:
        return self._rng.randbytes(self._rng.randint(0, max_bytes))


# --------------------------------------------------------------------------- records


def _base(src: _Source, record_type: str, record_id: str) -> JsonObject:
    # updated_at is never before created_at: a platform may reasonably
    # refuse that, and the suite tests the standard, not its corners.
    first, second = src.timestamp(), src.timestamp()
    if instant_millis(second) < instant_millis(first):
        first, second = second, first
    return {"type": record_type, "id": record_id, "created_at": first, "updated_at": second}


def _build_profile(src: _Source, record_id: str, media_ids: Sequence[str]) -> JsonObject:
    record = _base(src, "Profile", record_id)
    record["display_name"] = src.text(_SHORT)
    record["bio"] = src.text(_LONG)
    record["locale"] = src.pick(LOCALES)
    record["avatar_media_id"] = src.pick([None, *media_ids])
    return record


def _build_post(
    src: _Source, record_id: str, media_ids: Sequence[str], reply_to: Sequence[str]
) -> JsonObject:
    record = _base(src, "Post", record_id)
    content = src.text(_LONG)
    # Rarely, the longest content allowed. The top of the range, so that
    # shrinking moves away from it.
    if src.integer(0, 31) == 31:
        content = ((content or "\U0001f600") * MAX_POST_CODE_POINTS)[:MAX_POST_CODE_POINTS]
    record["content"] = content
    record["visibility"] = src.pick(VISIBILITIES)
    record["media_ids"] = src.some(media_ids, 3)
    record["in_reply_to"] = src.pick([None, *reply_to])
    return record


def _build_contact(src: _Source, record_id: str) -> JsonObject:
    record = _base(src, "Contact", record_id)
    record["name"] = src.text(_SHORT)
    record["emails"] = [src.email() for _ in range(src.integer(0, 3))]
    record["phones"] = [src.phone() for _ in range(src.integer(0, 3))]
    record["handles"] = [
        {"platform": src.pick(PLATFORMS), "handle": src.text(_SHORT)}
        for _ in range(src.integer(0, 2))
    ]
    return record


def order_total(items: Sequence[JsonObject]) -> str:
    """The exact sum of quantity times unit_price, as a plain decimal string (no exponent)."""
    with localcontext(_TRAPPING):
        total = sum(
            (Decimal(item["quantity"]) * Decimal(item["unit_price"]) for item in items),
            Decimal(0),
        )
    return format(total, "f")


def _build_order(src: _Source, record_id: str) -> JsonObject:
    record = _base(src, "Order", record_id)
    record["order_number"] = src.text(_SHORT)
    record["ordered_at"] = src.timestamp()
    record["status"] = src.pick(ORDER_STATUSES)
    record["merchant"] = src.text(_SHORT)
    record["currency"] = src.pick(CURRENCIES)
    items = [
        {
            "sku": src.text(_SHORT),
            "title": src.text(_SHORT),
            "quantity": src.integer(1, 10_000),
            "unit_price": src.money(),
        }
        for _ in range(src.integer(1, 4))
    ]
    record["items"] = items
    record["total"] = order_total(items)
    return record


def _build_review(src: _Source, record_id: str) -> JsonObject:
    record = _base(src, "Review", record_id)
    record["item_ref"] = src.text(_SHORT)
    record["rating"] = src.integer(1, 5)
    record["text"] = src.text(_LONG)
    record["reviewed_at"] = src.timestamp()
    return record


class MediaItem(NamedTuple):
    """A Media record and the bytes it describes (to PUT before importing it)."""

    record: JsonObject
    content: bytes


def _build_media(src: _Source, record_id: str, max_bytes: int) -> MediaItem:
    record = _base(src, "Media", record_id)
    content = src.content(max_bytes)
    record["media_type"] = src.pick(MEDIA_TYPES)
    record["size"] = len(content)
    record["sha256"] = hashlib.sha256(content).hexdigest()
    record["filename"] = src.text(_SHORT) if src.integer(0, 1) == 0 else src.pick(FILENAMES)
    record["url"] = src.pick(URLS) if src.integer(0, 1) == 0 else src.text(_SHORT)
    return MediaItem(record, content)


@st.composite
def _built(draw: st.DrawFn, build: Callable[[_Source, str], T], record_id: str | None) -> T:
    chosen = record_id if record_id is not None else draw(archive_ids())
    return build(_Drawn(draw), chosen)


def profile(
    record_id: str | None = None, *, media_ids: Sequence[str] = ()
) -> SearchStrategy[JsonObject]:
    """Profile records; ``avatar_media_id`` is null or one of ``media_ids``."""
    return _built(lambda src, rid: _build_profile(src, rid, media_ids), record_id)


def post(
    record_id: str | None = None, *, media_ids: Sequence[str] = (), reply_to: Sequence[str] = ()
) -> SearchStrategy[JsonObject]:
    """Post records referring only to ``media_ids`` and (``in_reply_to``) to ``reply_to``."""
    return _built(lambda src, rid: _build_post(src, rid, media_ids, reply_to), record_id)


def contact(record_id: str | None = None) -> SearchStrategy[JsonObject]:
    """Contact records with E.164 phones, e-mail addresses and platform handles."""
    return _built(_build_contact, record_id)


def order(record_id: str | None = None) -> SearchStrategy[JsonObject]:
    """Order records whose ``total`` is exactly the sum of quantity times unit_price."""
    return _built(_build_order, record_id)


def review(record_id: str | None = None) -> SearchStrategy[JsonObject]:
    """Review records with a rating from 1 to 5."""
    return _built(_build_review, record_id)


def media(record_id: str | None = None, *, max_bytes: int = 2048) -> SearchStrategy[MediaItem]:
    """Media records with the bytes they describe (``size`` and ``sha256`` computed from them)."""
    return _built(lambda src, rid: _build_media(src, rid, max_bytes), record_id)


# --------------------------------------------------------------------------- archives


@dataclass(frozen=True)
class GeneratedArchive:
    """A valid archive to import: its records, and the media bytes to PUT first.

    ``media`` maps sha256 (hex) to bytes; references between records only
    name records of the archive, and ``in_reply_to`` never forms a cycle.
    """

    records: list[JsonObject]
    media: dict[str, bytes]

    def body(self, *, with_manifest: bool = True, subject: str | None = None) -> bytes:
        """The import body: NDJSON, the manifest first unless ``with_manifest`` is false."""
        return serialize(self.records, subject=subject, with_manifest=with_manifest)

    def lines(self, *, with_manifest: bool = True) -> list[bytes]:
        """The body's lines without newlines, to splice invalid lines into (line n is [n-1])."""
        return self.body(with_manifest=with_manifest).split(b"\n")[:-1]


def archives(
    *,
    min_records: int = 0,
    max_records: int = 50,
    max_media_bytes: int = 2048,
    with_profile: bool = True,
    unique_ids: bool = True,
    weights: tuple[int, int, int, int, int] = (4, 2, 2, 1, 1),
) -> SearchStrategy[GeneratedArchive]:
    """Valid archives of ``min_records`` to ``max_records`` records (the Profile included).

    With ``with_profile`` the archive holds exactly one Profile (so at least
    one record); without it, none. Line order is shuffled, so references
    point at earlier and later lines alike. Thousands of records are cheap:
    only the first few are drawn field by field.

    With ``unique_ids`` every archive id carries a prefix drawn with the
    archive, so different examples rarely share an id: an account remembers
    the archive ids of earlier imports (imports may come in increments). The
    prefix comes from Hypothesis's draws, so the run's seed replays it.

    ``weights`` weighs the types of records past the first few (Post, Media,
    Contact, Order, Review): fewer Media records mean fewer uploads.
    """
    floor = max(min_records, 1 if with_profile else 0)
    if min_records < 0 or max_records < floor:
        raise ValueError(
            f"need 0 <= min_records <= max_records (and max_records >= 1 with a Profile), "
            f"got min_records={min_records}, max_records={max_records}"
        )
    if max_media_bytes < 0:
        raise ValueError(f"max_media_bytes must be >= 0, got {max_media_bytes}")
    return _archives(floor, max_records, max_media_bytes, with_profile, unique_ids, weights)


@st.composite
def _archives(
    draw: st.DrawFn,
    min_records: int,
    max_records: int,
    max_media_bytes: int,
    with_profile: bool,
    unique_ids: bool,
    weights: tuple[int, int, int, int, int],
) -> GeneratedArchive:
    total = draw(st.integers(min_records, max_records))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    drawn = _Drawn(draw)
    seeded = _Seeded(rng, drawn)
    types = ["Profile"] if with_profile else []
    while len(types) < total:
        types.append(
            drawn.pick(RECORD_TYPES)
            if len(types) < _DRAWN_RECORDS
            else rng.choices(RECORD_TYPES, weights=weights)[0]
        )
    ids = _make_ids(draw(st.sampled_from(ID_STYLES)), total, rng)
    if unique_ids:
        # From the drawn seed, not the OS: examples get different prefixes, yet the
        # run's seed still replays the very same archive.
        prefix = f"{rng.getrandbits(32):08x}"
        ids = [f"{prefix}:{rid}" for rid in ids]
    media_ids = [rid for rid, kind in zip(ids, types, strict=True) if kind == "Media"]
    records: list[JsonObject] = []
    media_bytes: dict[str, bytes] = {}
    earlier_posts: list[str] = []
    for index, (kind, rid) in enumerate(zip(types, ids, strict=True)):
        src: _Source = drawn if index < _DRAWN_RECORDS else seeded
        if kind == "Profile":
            records.append(_build_profile(src, rid, media_ids))
        elif kind == "Post":
            # Replies go to posts built before this one: no cycles, yet after
            # shuffling a reply may still precede its parent in the body.
            records.append(_build_post(src, rid, media_ids, earlier_posts))
            earlier_posts.append(rid)
        elif kind == "Media":
            item = _build_media(src, rid, max_media_bytes)
            records.append(item.record)
            media_bytes[item.record["sha256"]] = item.content
        elif kind == "Contact":
            records.append(_build_contact(src, rid))
        elif kind == "Order":
            records.append(_build_order(src, rid))
        else:
            records.append(_build_review(src, rid))
    if draw(st.booleans()):
        rng.shuffle(records)
    return GeneratedArchive(records=records, media=media_bytes)


@dataclass(frozen=True)
class ArchiveBatch:
    """Archives imported one after the other into one account, then exported once.

    Only the last archive holds a Profile (each import replaces the
    account's), so every archive's records can be found in one export.
    """

    archives: tuple[GeneratedArchive, ...]

    @property
    def records(self) -> list[JsonObject]:
        """Every record of the batch."""
        return [record for archive in self.archives for record in archive.records]

    def describe(self) -> str:
        """A one-line summary for reports."""
        sizes = ", ".join(str(len(archive.records)) for archive in self.archives)
        return f"{len(self.archives)} archive(s) of {sizes} record(s)"


def batches(
    *, size: int, min_records: int = 0, max_records: int = 40, with_profile: bool = True
) -> SearchStrategy[ArchiveBatch]:
    """Batches of 1 to ``size`` archives; the last one holds the Profile (``with_profile``).

    A round-trip property checks a whole batch with one export: a platform
    may allow as few as four exports a day, and take its time over each.
    """
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    last = archives(
        min_records=min_records, max_records=max(max_records, 1), with_profile=with_profile
    )
    others = st.lists(
        archives(min_records=min_records, max_records=max_records, with_profile=False),
        max_size=size - 1,
    )
    return st.builds(lambda rest, final: ArchiveBatch((*rest, final)), others, last)


def _make_ids(style: str, count: int, rng: random.Random) -> list[str]:
    if style == "sequential":
        return [f"a{n}" for n in range(1, count + 1)]
    if style == "uuid":
        # A list, not a set, keeps the order a function of the seed alone
        # (set order follows string hashing, which varies between runs).
        ids: list[str] = []
        seen: set[str] = set()
        while len(ids) < count:
            candidate = f"{rng.getrandbits(128):032x}"
            if candidate not in seen:
                seen.add(candidate)
                ids.append(candidate)
        return ids
    # Ids are opaque strings: spaces, slashes and astral characters included.
    return [f"id {n}/\u00fc\U0001f600" for n in range(1, count + 1)]
