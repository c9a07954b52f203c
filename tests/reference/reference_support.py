"""Helpers for the reference platform's own tests: a client per role, record builders."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import requests

from conformance.reference import ReferencePlatform

TIMEOUT = 30


class Api:
    """One role (client, user) calling a running platform through requests."""

    def __init__(self, platform: ReferencePlatform, client: str, user: str) -> None:
        self.platform = platform
        self.base_url = platform.base_url
        self.client = client
        self.user = user
        self.user_id = platform.identities.users[user]
        self.headers = {
            **platform.identities.clients[client],
            "Authorization": f"Bearer {platform.identities.token(client, user)}",
        }

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request as this role; ``path`` may carry a query."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(
            method, self.base_url + path, headers=headers, timeout=TIMEOUT, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def upload(self, data: bytes) -> str:
        """PUT bytes into the media store; return their sha256."""
        sha = hashlib.sha256(data).hexdigest()
        response = self.put(f"/port/v1/media/{sha}", data=data)
        assert response.status_code in (200, 201), response.text
        return sha

    def import_body(self, body: bytes) -> dict[str, Any]:
        """POST an archive body and return the finished import job."""
        response = self.post(
            "/port/v1/imports", data=body, headers={"Content-Type": "application/x-ndjson"}
        )
        assert response.status_code == 202, response.text
        job = self.get(response.headers["Location"])
        assert job.status_code == 200, job.text
        result: dict[str, Any] = job.json()
        assert result["status"] == "completed", result
        return result

    def import_records(self, *lines: object) -> dict[str, Any]:
        """Import records given as dicts (JSON-encoded) or raw strings."""
        encoded = [
            line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
            for line in lines
        ]
        return self.import_body(("\n".join(encoded) + "\n").encode("utf-8"))

    def export(self) -> tuple[dict[str, Any], bytes]:
        """Run an export to ``ready``; return the job and the archive bytes."""
        created = self.post("/port/v1/exports")
        assert created.status_code == 202, created.text
        deadline = time.monotonic() + 10
        while True:
            job: dict[str, Any] = self.get(created.headers["Location"]).json()
            if job["status"] in ("ready", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert job["status"] == "ready", job
        archive = b"".join(
            requests.get(self.base_url + part["url"], timeout=TIMEOUT).content
            for part in job["parts"]
        )
        return job, archive

    def exported_records(self) -> list[dict[str, Any]]:
        """Export and return the records (manifest excluded)."""
        _, archive = self.export()
        lines = [json.loads(line) for line in archive.decode("utf-8").split("\n")[:-1]]
        return lines[1:]

    def feed(
        self, cursor: str | None = None, limit: int = 1000
    ) -> tuple[list[dict[str, Any]], str]:
        """Read the change feed to its end; return the changes and the last cursor."""
        changes: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            page = self.get("/port/v1/changes", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            changes.extend(body["changes"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return changes, cursor


def record(record_type: str, record_id: str, **fields: Any) -> dict[str, Any]:
    """A record line with valid defaults for its type; ``fields`` override them."""
    defaults: dict[str, dict[str, Any]] = {
        "Profile": {"display_name": "A", "bio": "", "locale": "en", "avatar_media_id": None},
        "Post": {"content": "hello", "visibility": "public", "media_ids": [], "in_reply_to": None},
        "Contact": {"name": "Bo", "emails": [], "phones": ["+4930123456"], "handles": []},
        "Order": {
            "order_number": "A-1",
            "ordered_at": "2024-05-01T10:00:00Z",
            "status": "paid",
            "merchant": "Shop",
            "currency": "EUR",
            "items": [{"sku": "s", "title": "t", "quantity": 2, "unit_price": "9.95"}],
            "total": "19.90",
        },
        "Review": {
            "item_ref": "x",
            "rating": 4,
            "text": "ok",
            "reviewed_at": "2024-05-02T10:00:00Z",
        },
        "Media": {
            "media_type": "image/png",
            "size": 0,
            "sha256": "",
            "filename": "a.png",
            "url": "",
        },
    }
    return {
        "type": record_type,
        "id": record_id,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        **defaults[record_type],
        **fields,
    }


def media_record(record_id: str, data: bytes, **fields: Any) -> dict[str, Any]:
    """A Media record for bytes (which the test uploads separately)."""
    derived = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return record("Media", record_id, **{**derived, **fields})


def assert_problem(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with the COMMON code; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    return body
