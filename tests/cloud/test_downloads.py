"""CLOUD-004's sample of resources and its judgement of what an export_url served."""

from __future__ import annotations

import gzip
import hashlib
import random

from conformance.cloud.downloads import Download, download_mismatches, sample, unusable_mismatches
from conformance.cloud.inventory import Resource


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def res(i: int, data: bytes, kind: str = "object", media: str = "text/plain") -> Resource:
    return Resource(i, f"r{i}", kind, len(data), sha(data), media, f"/x/{i}")


def served(data: bytes, content_type: str | None = "text/plain", status: int = 200) -> Download:
    return Download("http://p/x", status, len(data), sha(data), content_type, None, data[:16], "e1")


def test_the_wanted_resources_come_first_then_one_of_each_kind() -> None:
    resources = [res(i, bytes([i]) * i) for i in range(1, 30)]
    resources.append(res(40, b"img", kind="image"))
    resources.append(Resource(41, "r41", "object", None, None, "x", None))
    chosen = sample(resources, [(5, sha(bytes([5]) * 5))], random.Random(1), limit=4)
    assert chosen.chosen[0].id == "r5" and chosen.chosen[1].kind == "image"
    assert len(chosen.chosen) == 4 and chosen.left_out == len(resources) - 1 - 4
    assert [r.id for r in chosen.unusable] == ["r41"]
    assert len(unusable_mismatches(chosen.unusable[0])) == 2


def test_equal_wanted_pairs_choose_two_resources() -> None:
    pair = (3, sha(b"abc"))
    chosen = sample(
        [res(0, b"abc"), res(1, b"abc"), res(2, b"xyz")], [pair, pair], random.Random(0)
    )
    assert [r.id for r in chosen.chosen[:2]] == ["r0", "r1"]


def test_the_byte_budget_bounds_the_sample() -> None:
    chosen = sample([res(0, b"a" * 10), res(1, b"b" * 10)], [], random.Random(0), byte_budget=15)
    assert len(chosen.chosen) == 1 and chosen.left_out == 1


def test_bytes_of_the_stated_size_hash_and_type_pass() -> None:
    data = b"hello"
    assert download_mismatches(res(0, data), served(data, "TEXT/PLAIN; charset=utf-8"), []) == []
    assert download_mismatches(res(0, data), served(data, "text/csv"), ["text/csv"]) == []


def test_undeclared_gzip_is_named() -> None:
    data = b"hello" * 20
    rows = download_mismatches(res(0, data), served(gzip.compress(data)), [])
    assert [r.path for r in rows] == ["$.resources[0].size", "$.resources[0].sha256"]
    assert all("no Content-Encoding" in r.why for r in rows)


def test_another_content_type_fails() -> None:
    (row,) = download_mismatches(
        res(0, b"x"), served(b"x", "application/octet-stream"), ["text/csv"]
    )
    assert row.path == "header Content-Type" and row.received == "application/octet-stream"
    (row,) = download_mismatches(res(0, b"x"), served(b"x", None), [])
    assert row.received == "absent"


def test_a_refused_download_is_one_status_row() -> None:
    (row,) = download_mismatches(res(0, b"x"), served(b"", status=403), [])
    assert (row.path, row.received) == ("status", 403)
