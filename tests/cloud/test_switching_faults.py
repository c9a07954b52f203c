"""The CLOUD switching and OCI fault transforms change what they say, and nothing else."""

from __future__ import annotations

import gzip
import json
from typing import Any

import requests

from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse
from conformance.faults.transforms.cloud import (
    ExportUrlsGzipped,
    InventoryWithout,
    RegistryPlain404,
    SwitchExportFields,
    SwitchingDocumentFields,
    VersionCheckRefused,
)


def request(path: str, method: str = "GET") -> ProxyRequest:
    return ProxyRequest(method, path, "", {"Host": "proxy:1"}, b"")


def answer(body: Any, status: int = 200) -> ProxyResponse:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ProxyResponse(status, {"Content-Type": "application/json"}, data)


def exchange() -> Exchange:
    return Exchange("http://upstream", requests.Session())


def test_the_switching_document_is_changed_and_nothing_else() -> None:
    fault = SwitchingDocumentFields(
        fields={"max_switch_days": 45}, drop=["currency"], add_formats=["application/x-y"]
    )
    doc = {"max_switch_days": 30, "currency": "EUR", "export_formats": ["text/csv"]}
    out = fault.on_response(exchange(), request("/.well-known/cloud-switching"), answer(doc))
    assert json.loads(out.body) == {
        "max_switch_days": 45,
        "export_formats": ["text/csv", "application/x-y"],
    }
    other = fault.on_response(exchange(), request("/cloud/v1/inventory"), answer(doc))
    assert json.loads(other.body) == doc


def test_the_inventory_leaves_out_objects_by_content() -> None:
    resources = [
        {"kind": "object", "sha256": "e3b0"},
        {"kind": "object", "sha256": "f000"},
        {"kind": "image", "sha256": "0000"},
    ]
    out = InventoryWithout().on_response(
        exchange(),
        request("/cloud/v1/inventory"),
        answer({"resources": resources, "next_cursor": "c"}),
    )
    assert json.loads(out.body) == {"resources": resources[1:], "next_cursor": "c"}


def test_export_urls_named_by_the_inventory_are_served_gzipped() -> None:
    fault, ex = ExportUrlsGzipped(), exchange()
    inventory = {
        "resources": [{"export_url": "/dl/1?sig=x"}, {"export_url": "http://elsewhere/dl/2"}]
    }
    fault.on_response(ex, request("/cloud/v1/inventory"), answer(inventory))
    served = fault.on_response(ex, request("/dl/1"), answer(b"bytes"))
    assert gzip.decompress(served.body) == b"bytes" and served.header("Content-Encoding") is None
    assert fault.on_response(ex, request("/dl/2"), answer(b"bytes")).body == b"bytes"


def test_a_switch_export_states_what_the_fault_says() -> None:
    job = {"status": "completed", "eta_days": 0, "retrievable_until": "2027-01-01T00:00:00Z"}
    fault = SwitchExportFields(eta_days=45, retrievable_days=14)
    out = json.loads(
        fault.on_response(exchange(), request("/cloud/v1/switch-exports/x"), answer(job)).body
    )
    assert out["eta_days"] == 45 and out["retrievable_until"] != job["retrievable_until"]
    running = {"status": "running", "eta_days": 1, "retrievable_until": None}
    out = json.loads(
        fault.on_response(exchange(), request("/cloud/v1/switch-exports/x"), answer(running)).body
    )
    assert out["retrievable_until"] is None


def test_registry_404s_become_plain_text_and_v2_refuses_without_a_challenge() -> None:
    out = RegistryPlain404().on_response(exchange(), request("/v2/a/manifests/x"), answer({}, 404))
    assert out.body == b"404 page not found\n"
    assert str(out.header("Content-Type")).startswith("text/plain")
    refused = VersionCheckRefused().on_request(exchange(), request("/v2/"))
    assert (
        refused is not None and refused.status == 401 and refused.header("WWW-Authenticate") is None
    )
    assert VersionCheckRefused().on_request(exchange(), request("/v2/a/blobs/x")) is None
