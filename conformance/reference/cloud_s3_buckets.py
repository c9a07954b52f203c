"""ListBuckets, CreateBucket, HeadBucket, GetBucketLocation, DeleteBucket, DeleteObjects."""

from __future__ import annotations

import re
from typing import Final

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException
from werkzeug.wrappers import Response

from .choices import ChoiceSet
from .choices.cloud_s3 import DELETE_STATUS, OWN_BUCKET_AGAIN
from .cloud_s3_body import read_small
from .cloud_s3_call import S3Call, owned_bucket
from .cloud_s3_listing import iso_time
from .cloud_s3_xml import Element, S3Error, XmlWriter, access_denied, empty
from .cloud_store import ObjectStore

# S3's bucket naming rules: 3-63 of [a-z0-9.-], starting and ending alphanumeric,
# no "..", not an IPv4 address.
_BUCKET: Final = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4: Final = re.compile(r"\d+\.\d+\.\d+\.\d+")
_MAX_DELETE: Final = 1000


def valid_bucket_name(name: str) -> bool:
    """Whether S3 accepts ``name`` for a new bucket."""
    return bool(_BUCKET.fullmatch(name)) and ".." not in name and not _IPV4.fullmatch(name)


def _name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Buckets:
    """The bucket operations of the S3 surface."""

    def __init__(
        self,
        store: ObjectStore,
        writer: XmlWriter,
        choices: ChoiceSet,
        region: str,
    ) -> None:
        self._store = store
        self._writer = writer
        self._region = region
        self._delete_status = choices[DELETE_STATUS]
        self._again_status = choices[OWN_BUCKET_AGAIN]

    def list(self, call: S3Call) -> Response:
        """ListBuckets: the caller's buckets only."""
        account = call.account
        if account is None:
            raise access_denied()
        buckets: list[Element] = [
            ("Bucket", [("Name", b.name), ("CreationDate", iso_time(b.created))])
            for b in self._store.buckets_of(account)
        ]
        owner: Element = ("Owner", [("ID", account), ("DisplayName", call.user or account)])
        return self._writer.response(("ListAllMyBucketsResult", [owner, ("Buckets", buckets)]))

    def create(self, call: S3Call, name: str) -> Response:
        """CreateBucket, owned by the caller's account."""
        account = call.account
        if account is None:
            raise access_denied()
        self._check_location(read_small(call.request, call.signed))
        if not valid_bucket_name(name):
            raise S3Error(
                400, "InvalidBucketName", "The specified bucket is not valid.", {"BucketName": name}
            )
        if self._store.create_bucket(name, account) is None:
            existing = self._store.bucket(name)
            if existing is None or existing.owner != account:
                raise S3Error(
                    409,
                    "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is shared "
                    "by all users of the system. Please select a different name and try again.",
                    {"BucketName": name},
                )
            if self._again_status == 409:
                raise S3Error(
                    409,
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already "
                    "own it.",
                    {"BucketName": name},
                )
        return empty(200, {"Location": f"/{name}"})

    def head(self, call: S3Call) -> Response:
        """HeadBucket: 200 for the owner (and the bucket's region)."""
        owned_bucket(self._store, call)
        return empty(200, {"x-amz-bucket-region": self._region})

    def location(self, call: S3Call) -> Response:
        """GetBucketLocation: empty for us-east-1, as S3 answers."""
        owned_bucket(self._store, call)
        region = "" if self._region == "us-east-1" else self._region
        return self._writer.response(("LocationConstraint", region))

    def delete(self, call: S3Call) -> Response:
        """DeleteBucket: only an empty bucket."""
        bucket = owned_bucket(self._store, call)
        if not self._store.delete_bucket(bucket.name):
            raise S3Error(
                409,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
                {"BucketName": bucket.name},
            )
        return empty(self._delete_status)

    def delete_objects(self, call: S3Call) -> Response:
        """DeleteObjects (``POST ?delete``): each listed key deleted, each reported."""
        bucket = owned_bucket(self._store, call)
        body = read_small(call.request, call.signed)
        try:
            root = SafeXml.fromstring(body)
        except (SafeXml.ParseError, DefusedXmlException):
            raise S3Error(
                400, "MalformedXML", "The XML you provided was not well-formed."
            ) from None
        quiet = False
        keys: list[str] = []
        for element in root:
            if _name(element.tag) == "Quiet":
                quiet = (element.text or "").strip().lower() == "true"
            elif _name(element.tag) == "Object":
                fields = {_name(child.tag): child.text or "" for child in element}
                keys.append(fields.get("Key", ""))
        if not keys or len(keys) > _MAX_DELETE:
            raise S3Error(400, "MalformedXML", "List 1 to 1000 objects to delete.")
        deleted: list[Element] = []
        for key in keys:
            self._store.delete(bucket.name, key)
            if not quiet:
                deleted.append(("Deleted", [("Key", key)]))
        return self._writer.response(("DeleteResult", deleted))

    def _check_location(self, body: bytes) -> None:
        """A CreateBucketConfiguration may name only this platform's region."""
        if not body.strip():
            return
        try:
            root = SafeXml.fromstring(body)
        except (SafeXml.ParseError, DefusedXmlException):
            raise S3Error(
                400, "MalformedXML", "The XML you provided was not well-formed."
            ) from None
        for element in root.iter():
            if _name(element.tag) == "LocationConstraint":
                wanted = (element.text or "").strip()
                if wanted not in ("", self._region):
                    raise S3Error(
                        400,
                        "IllegalLocationConstraintException",
                        f"The {wanted} location constraint is incompatible for the region "
                        "specific endpoint this request was sent to.",
                    )
