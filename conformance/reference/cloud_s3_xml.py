"""S3's XML bodies and error answers, written the way the choice set says.

A body is a tree of ``(name, text)`` and ``(name, [children])`` pairs;
:class:`XmlWriter` renders it with or without S3's namespace, on one line
or indented, with the quotes of ETags as ``&quot;`` or literal. Errors are
:class:`S3Error`, rendered as S3 renders them (``<Error><Code>…``, never a
namespace, no body on HEAD).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Final

from werkzeug.wrappers import Response

from .choices import ChoiceSet
from .choices.cloud_s3 import LISTING_ETAG, XML_LAYOUT, XML_NAMESPACE

S3_NAMESPACE: Final = "http://s3.amazonaws.com/doc/2006-03-01/"
XML_TYPE: Final = "application/xml"

Element = tuple[str, "str | Sequence[Element]"]
"""An element: its name and either its text or its children."""


def _escape(text: str, quotes: bool) -> str:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quotes:
        out = out.replace('"', "&quot;")
    # A carriage return or control character would not survive an XML parser as itself.
    return "".join(f"&#x{ord(c):X};" if ord(c) < 0x20 and c not in "\t\n" else c for c in out)


class XmlWriter:
    """Renders element trees as the platform's choices say."""

    def __init__(self, choices: ChoiceSet) -> None:
        self._namespace = choices[XML_NAMESPACE] == "s3"
        self._pretty = choices[XML_LAYOUT] == "pretty"
        self._quotes = choices[LISTING_ETAG] == "entity"

    def render(self, root: Element, *, namespace: bool = True) -> bytes:
        """The document ``root``, with S3's namespace if chosen and ``namespace`` allows."""
        lines: list[str] = []
        attribute = f' xmlns="{S3_NAMESPACE}"' if namespace and self._namespace else ""
        self._element(root, 0, attribute, lines)
        joiner = "\n" if self._pretty else ""
        prolog = '<?xml version="1.0" encoding="UTF-8"?>\n'
        return (prolog + joiner.join(lines) + ("\n" if self._pretty else "")).encode("utf-8")

    def _element(self, element: Element, depth: int, attribute: str, lines: list[str]) -> None:
        name, content = element
        indent = "  " * depth if self._pretty else ""
        if isinstance(content, str):
            lines.append(f"{indent}<{name}{attribute}>{_escape(content, self._quotes)}</{name}>")
            return
        if not content:
            lines.append(f"{indent}<{name}{attribute}></{name}>")
            return
        lines.append(f"{indent}<{name}{attribute}>")
        for child in content:
            self._element(child, depth + 1, "", lines)
        lines.append(f"{indent}</{name}>")

    def response(self, root: Element, status: int = 200) -> Response:
        """An XML answer holding ``root``."""
        return Response(self.render(root), status=status, content_type=XML_TYPE)


class S3Error(Exception):
    """An S3 error answer: status, code, message and the extra elements S3 adds."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})

    def response(self, writer: XmlWriter, method: str, request_id: str) -> Response:
        """The answer: S3's ``<Error>`` document (no body for HEAD)."""
        children: list[Element] = [("Code", self.code), ("Message", self.message)]
        children += list(self.fields.items())
        children += [("RequestId", request_id), ("HostId", secrets.token_urlsafe(24))]
        body = b"" if method == "HEAD" else writer.render(("Error", children), namespace=False)
        response = Response(body, status=self.status, content_type=XML_TYPE)
        response.headers.update(self.headers)
        return response


def empty(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """An answer without a body, and so without a ``Content-Type``."""
    response = Response(status=status, headers=dict(headers or {}))
    del response.headers["Content-Type"]
    return response


def access_denied() -> S3Error:
    """403 AccessDenied, as S3 answers a caller without rights on the resource."""
    return S3Error(403, "AccessDenied", "Access Denied")


def no_such_bucket(bucket: str) -> S3Error:
    """404 NoSuchBucket."""
    return S3Error(
        404, "NoSuchBucket", "The specified bucket does not exist", {"BucketName": bucket}
    )


def no_such_key(key: str) -> S3Error:
    """404 NoSuchKey."""
    return S3Error(404, "NoSuchKey", "The specified key does not exist.", {"Key": key})


def invalid_argument(message: str, name: str, value: str) -> S3Error:
    """400 InvalidArgument naming the argument."""
    return S3Error(400, "InvalidArgument", message, {"ArgumentName": name, "ArgumentValue": value})


def not_implemented(what: str) -> S3Error:
    """501 NotImplemented: an S3 operation outside the profile's subset."""
    return S3Error(
        501,
        "NotImplemented",
        f"A header or query you provided implies functionality that is not implemented ({what})",
    )
