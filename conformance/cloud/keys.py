"""Object keys the suite writes: of every script, up to 1024 UTF-8 bytes (CLOUD-106).

S3 keys are any UTF-8 text of 1 to 1024 bytes. The suite writes none
holding a control character (the draft excludes U+0000–U+001F; the other
controls, U+007F–U+009F, are left out as well: S3's guidelines list them
among characters to avoid, and "controls" is read as Unicode's category
Cc), no noncharacter (U+FDD0–U+FDEF and the last two code points of every
plane: U+FFFE and U+FFFF are not even XML 1.0 characters), and no ``.`` or ``..`` path segment (HTTP clients and servers
remove dot segments from a request path, RFC 3986 §5.2.4, before S3 sees
the key). Everything else is fair: spaces, ``+``, ``%``, ``?``, ``#``,
``&``, ``/`` (also doubled, leading or trailing), scripts written right to
left, combining marks (a decomposed ``é`` next to a precomposed one is two
keys), astral characters and emoji sequences.
"""

from __future__ import annotations

from hypothesis import strategies as st

MAX_KEY_BYTES = 1024
"""The longest key S3 accepts, in UTF-8 bytes."""

_NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
]
_EXCLUDED = frozenset(
    [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)] + _NONCHARACTERS
)

PUNCTUATION = " +%?#&=;:@,!$'()*[]{}~`^|\\\"<>/-_."
"""ASCII characters with a meaning somewhere between a client and the key (URLs, XML, shells)."""

SCRIPTS: tuple[str, ...] = (
    "éèçñüßøåÆŒ",  # Latin with diacritics, precomposed (NFC)
    "e\u0301a\u0308n\u0303",  # the same kind of letters decomposed (NFD)
    "ΑβγΔλΩ",  # Greek
    "ЖжЯяЁё",  # Cyrillic
    "שלוםעולם",  # Hebrew (right to left)
    "مرحباعالم",  # Arabic (right to left)
    "नमस्तेदुनिया",  # Devanagari (combining vowel signs)
    "你好世界键值",  # Han
    "こんにちはカタカナ",  # Hiragana and Katakana
    "안녕하세요",  # Hangul
    "สวัสดีโลก",  # Thai
    "ሰላም",  # Ethiopic
    "😀👍🏽🧑‍💻🇪🇺",  # emoji: skin tone, a ZWJ sequence, a flag (astral, several code points)
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢𐍈",  # astral letters (outside the BMP: UTF-16 surrogate pairs)
    "\u00a0\u200b\u2028\ufeff\ufffd",  # no-break space, zero width space, line separator, BOM, U+FFFD
)
"""Samples of scripts a key may be written in, drawn from as well as from all of Unicode."""

TRICKY_KEYS: tuple[str, ...] = (
    "with space",
    " leading and trailing ",
    "plus+sign",
    "a+b c+d",
    "percent%20literal%",
    "question?mark=1&x=y",
    "hash#fragment",
    'amp&lt;not-an-entity&gt;<tag>"quoted"\'',
    "slash/nested/path/",
    "/leading-slash",
    "double//slash",
    "back\\slash",
    "tilde~star*(paren)",
    "café/NFC-é",
    "cafe\u0301/NFD-e\u0301",
    "ключ/данные",
    "键/值",
    "مفتاح عربي",
    "emoji 😀👍🏽🧑‍💻",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
)
"""Keys every run writes, before generated ones: each one is a way keys get rewritten."""


def longest_key(seed_char: str = "é") -> str:
    """A key of exactly 1024 UTF-8 bytes: a 2-byte letter repeated, then ASCII to fill."""
    width = len(seed_char.encode("utf-8"))
    count = MAX_KEY_BYTES // width
    key = seed_char * count
    return key + "k" * (MAX_KEY_BYTES - len(key.encode("utf-8")))


def allowed(key: str) -> bool:
    """Whether the suite may write ``key`` (see the module's rules)."""
    encoded = key.encode("utf-8", errors="surrogatepass")
    if not 1 <= len(encoded) <= MAX_KEY_BYTES:
        return False
    if any(c in _EXCLUDED or 0xD800 <= ord(c) <= 0xDFFF for c in key):
        return False
    return not any(segment in (".", "..") for segment in key.split("/"))


def _characters() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PUNCTUATION),
        st.sampled_from("".join(SCRIPTS)),
        st.characters(codec="utf-8", exclude_characters="".join(sorted(_EXCLUDED))),
    )


def object_keys(*, max_chars: int = 60) -> st.SearchStrategy[str]:
    """Keys of mixed scripts and punctuation; a few run up to the 1024-byte limit."""
    short = st.text(_characters(), min_size=1, max_size=max_chars)
    script_words = st.lists(st.sampled_from(SCRIPTS), min_size=1, max_size=4).map(
        lambda words: "/".join(words)
    )
    long = st.builds(
        lambda head, fill: (head + fill * MAX_KEY_BYTES)[:MAX_KEY_BYTES],
        st.text(_characters(), max_size=8),
        st.sampled_from(SCRIPTS),
    ).map(_clip)
    return st.one_of(short, script_words, short, long).filter(allowed)


def _clip(key: str) -> str:
    """The longest prefix of ``key`` within 1024 UTF-8 bytes (no character cut in two)."""
    return key.encode("utf-8")[:MAX_KEY_BYTES].decode("utf-8", errors="ignore")


def key_sets(*, max_size: int = 6) -> st.SearchStrategy[list[str]]:
    """A few distinct keys written together and then listed."""
    return st.lists(object_keys(), min_size=1, max_size=max_size, unique=True)
