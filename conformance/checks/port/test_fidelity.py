"""PORT-004, 005, 013, 014: what goes in comes out, exactly."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from conformance import ALICE, BOB, Examples, Finding, Harness, Mismatch, draw
from conformance.port.archive import serialize
from conformance.port.client import PortClient, resolve_media_url
from conformance.port.equality import Kind, compare_records, is_money
from conformance.port.properties import round_trip_examples, run_property
from conformance.port.roundtrip import (
    RoundTrip,
    cleanup,
    fail_on,
    import_and_export,
    import_and_export_batch,
    of_kind,
)
from conformance.port.strategies import ArchiveBatch, archives, batches

from .conftest import Baseline

# The large account: as many records as the platform's stated request rate
# lets the suite delete again within this many seconds (thousands without one).
_LARGE_CLEANUP_SECONDS = 60
_LARGE_MIN, _LARGE_MAX = 300, 2500
_FEW_MEDIA = (4, 1, 2, 2, 2)


def _round_trips(
    port: PortClient,
    examples: Examples,
    judge: Callable[[list[RoundTrip]], None],
    *,
    min_records: int,
    max_records: int,
) -> None:
    """Run ``judge`` over batches of generated archives, one export per batch."""
    count, per_batch = round_trip_examples(examples)

    def prop(batch: ArchiveBatch) -> None:
        judge(import_and_export_batch(port, ALICE, batch))

    run_property(
        examples,
        (batches(size=per_batch, min_records=min_records, max_records=max_records),),
        prop,
        time_left=port.probe.remaining,
        max_examples=count,
        describe=lambda batch: batch.describe(),
    )


@pytest.mark.requirement("PORT-004")
def test_export_contains_every_imported_record(
    port: PortClient, examples: Examples, harness: Harness
) -> None:
    """Batches of generated archives: every imported record is in the next export, equal."""
    seen: list[int] = []

    def judge(trips: list[RoundTrip]) -> None:
        fail_on(
            [d for trip in trips for d in trip.differences],
            "imported records are missing or changed in the next export",
        )
        seen.append(sum(len(trip.generated.records) for trip in trips))

    _round_trips(port, examples, judge, min_records=0, max_records=60)
    harness.verified(
        f"{len(seen)} export(s) of generated batches ({sum(seen)} records imported): every "
        "record is in the next export, equal as PORT defines it"
    )


@pytest.mark.requirement("PORT-004")
def test_export_of_thousands_of_records_is_complete(port: PortClient, harness: Harness) -> None:
    """One large account, seeded by the run, exports completely.

    Thousands of records, unless the platform's stated request rate would
    make deleting them again take more than a minute: then as many as fit.
    """
    rate = port.requests_per_second(ALICE)
    size = _LARGE_MAX if rate is None else int(rate * _LARGE_CLEANUP_SECONDS)
    size = max(_LARGE_MIN, min(_LARGE_MAX, size))
    generated = draw(
        archives(min_records=size - size // 5, max_records=size, weights=_FEW_MEDIA), harness.seed
    )
    trip = import_and_export(port, ALICE, generated)
    fail_on(trip.differences, "records of a large import are missing or changed in the export")
    harness.verified(
        f"an account holding {len(generated.records)} imported records exported all of them, "
        "equal as PORT defines it"
    )


@pytest.mark.requirement("PORT-013")
def test_text_round_trips_code_point_for_code_point(
    port: PortClient, examples: Examples, harness: Harness
) -> None:
    """Arbitrary Unicode text (astral, combining, RTL, U+0000, markup, CR/LF) comes back exactly."""
    texts: list[int] = []

    def judge(trips: list[RoundTrip]) -> None:
        fail_on(
            [
                d
                for trip in trips
                for d in of_kind(trip.differences, trip.generated.records, Kind.EXACT)
            ],
            "text changed on the way",
        )
        texts.append(sum(_text_fields(trip) for trip in trips))

    _round_trips(port, examples, judge, min_records=1, max_records=40)
    harness.verified(
        f"{len(texts)} export(s): {sum(texts)} text field(s) of generated records came back "
        "code point for code point"
    )


def _text_fields(trip: RoundTrip) -> int:
    return sum(
        1
        for record in trip.generated.records
        for value in record.values()
        if isinstance(value, str)
    )


@pytest.mark.requirement("PORT-014")
def test_money_round_trips_as_exact_decimals(
    port: PortClient, examples: Examples, harness: Harness
) -> None:
    """Money comes back as the same decimal number; every exported Order's total adds up."""
    orders: list[int] = []

    def judge(trips: list[RoundTrip]) -> None:
        differences: list[Mismatch] = [
            d
            for trip in trips
            for d in of_kind(trip.differences, trip.generated.records, Kind.MONEY)
        ]
        fail_on(differences, "money changed on the way")
        archive = trips[0].export.archive
        assert archive is not None
        exported = [r for r in archive.records if r.get("type") == "Order"]
        inconsistent = [m for r in exported for m in order_total_mismatches(r)]
        if inconsistent:
            raise Finding(
                "exported Orders whose total is not the sum of quantity × unit_price",
                mismatches=inconsistent,
            )
        orders.append(len(exported))

    _round_trips(port, examples, judge, min_records=1, max_records=40)
    harness.verified(
        f"{len(orders)} export(s) holding {sum(orders)} Order(s): amounts equal as decimals, "
        "every total the exact sum of quantity × unit_price"
    )


def order_total_mismatches(order: dict[str, Any]) -> list[Mismatch]:
    """An Order's money fields are decimal strings and ``total`` is exactly their sum."""
    label = f"Order {order.get('id')}"
    amounts = [
        (f"$.items[{i}].unit_price", item.get("unit_price"), item.get("quantity"))
        for i, item in enumerate(order.get("items") or [])
        if isinstance(item, dict)
    ]
    out = [
        Mismatch(
            f"{label} {path}", "a decimal string", value, "money must be a string without exponent"
        )
        for path, value, _ in amounts
        if not is_money(value)
    ]
    if not is_money(order.get("total")):
        out.append(Mismatch(f"{label} $.total", "a decimal string", order.get("total")))
    if out:
        return out
    expected = sum(
        (Decimal(str(v)) * int(q) for _, v, q in amounts if isinstance(q, int)), Decimal(0)
    )
    if Decimal(order["total"]) != expected:
        out.append(
            Mismatch(
                f"{label} $.total", str(expected), order["total"], "sum of quantity × unit_price"
            )
        )
    return out


@pytest.mark.requirement("PORT-005")
def test_importing_an_export_elsewhere_adds_exactly_its_records(
    port: PortClient, baseline: Baseline
) -> None:
    """alice's export imported into bob's account adds exactly those records."""
    _round_trip_between(port, port, baseline, BOB)


@pytest.mark.requirement("PORT-005")
def test_export_from_one_platform_imports_into_another(
    port: PortClient, second_port: PortClient, baseline: Baseline
) -> None:
    """The same round trip across two targets: export from A, import into B."""
    _round_trip_between(port, second_port, baseline, ALICE)


def _round_trip_between(
    source: PortClient, dest: PortClient, baseline: Baseline, into: Any
) -> None:
    exported = baseline.export.archive
    assert exported is not None
    media = _download_media(source, exported.records)
    before = dest.export(into)
    dest.delete_export(into, before.location)
    dest.put_media(into, media)
    body = serialize(
        exported.records, subject=exported.manifest.get("subject") if exported.manifest else None
    )
    job = dest.import_archive(into, body)
    id_map: dict[str, str] = job.get("id_map") or {}
    try:
        after = dest.export(into)
        dest.delete_export(into, after.location)
    finally:
        cleanup(dest, into, exported.records, id_map)
    assert before.archive is not None and after.archive is not None
    mismatches = compare_records(exported.records, after.archive.records, id_map)
    before_ids = {r.get("id") for r in before.archive.records}
    mapped = set(id_map.values())
    for record in after.archive.records:
        rid = record.get("id")
        if rid not in before_ids and rid not in mapped:
            mismatches.append(
                Mismatch(
                    f"{record.get('type')} record",
                    "absent",
                    "added",
                    "the import added a record the export did not hold",
                    subject=str(rid),
                )
            )
    kept = {r.get("id"): r for r in after.archive.records}
    for record in before.archive.records:
        if record.get("type") != "Profile" and record.get("id") not in kept:
            mismatches.append(
                Mismatch(
                    f"{record.get('type')} record",
                    "kept",
                    "gone",
                    "the import removed a record the account held",
                    subject=str(record.get("id")),
                )
            )
    rejected = list(job.get("rejected") or [])
    if rejected:
        mismatches.append(
            Mismatch(
                "import",
                "no rejected line",
                rejected[:5],
                "an export must import back without rejections",
            )
        )
    if mismatches:
        raise Finding("importing the export did not add exactly its records", mismatches=mismatches)


def _download_media(port: PortClient, records: list[dict[str, Any]]) -> dict[str, bytes]:
    media = {}
    for record in records:
        if record.get("type") == "Media" and isinstance(record.get("url"), str):
            response = port.probe.get(
                resolve_media_url(port.probe, record["url"]), role=ALICE, validate=False
            )
            if response.status == 200:
                media[str(record.get("sha256"))] = response.content
    return media
