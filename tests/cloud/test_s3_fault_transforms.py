"""The S3 fault transforms edit one thing of an answer and keep its form."""

from __future__ import annotations

import requests

from conformance.cloud.listing import read_page
from conformance.cloud.xmlbody import convert, read
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse
from conformance.faults.transforms import TRANSFORMS
from conformance.faults.transforms.s3_xml import edit_keys, text_of

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
LISTING = f"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult {NS}>
  <Name>b</Name><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <ContinuationToken>tok-1</ContinuationToken>
  <NextContinuationToken>tok-2</NextContinuationToken>
  <EncodingType>url</EncodingType>
  <Contents><Key>a%2Bb</Key><Size>0</Size><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag></Contents>
  <Contents><Key>cafe%CC%81</Key><Size>5</Size><ETag>"0cc175b9c0f1b6a831c399e269772661-2"</ETag></Contents>
  <CommonPrefixes><Prefix>p%2B/</Prefix></CommonPrefixes>
</ListBucketResult>""".encode()
PREFIXED = LISTING.replace(b"<", b"<s3:").replace(b"<s3:/", b"</s3:").replace(b"<s3:?", b"<?")
PREFIXED = PREFIXED.replace(NS.encode(), b'xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"')


def page(body: bytes):  # type: ignore[no-untyped-def]
    value = convert(read(body))
    return read_page(value["ListBucketResult"])


def listing_request() -> ProxyRequest:
    return ProxyRequest("GET", "/b", "list-type=2&max-keys=3", {"Host": "h"}, b"")


def apply(name: str, body: bytes, request: ProxyRequest | None = None, **options: object) -> bytes:
    transform = TRANSFORMS[name](**options)
    response = ProxyResponse(200, {"Content-Type": "application/xml"}, body)
    exchange = Exchange("http://upstream", requests.Session())
    return transform.on_response(exchange, request or listing_request(), response).body


def test_the_listings_read_the_same_whatever_the_prefix() -> None:
    assert page(LISTING) == page(PREFIXED)
    assert [k.key for k in page(LISTING).keys] == ["a+b", "cafe\u0301"]


def test_a_page_end_key_is_dropped_from_a_truncated_page() -> None:
    for body in (LISTING, PREFIXED):
        assert [k.key for k in page(apply("s3_drop_key_at_page_end", body)).keys] == ["a+b"]


def test_the_first_two_keys_are_swapped() -> None:
    for body in (LISTING, PREFIXED):
        swapped = page(apply("s3_swap_first_keys", body))
        assert [k.key for k in swapped.keys] == ["cafe\u0301", "a+b"]


def test_elements_are_dropped() -> None:
    for body in (LISTING, PREFIXED):
        dropped = page(apply("s3_drop_listing_elements", body, element="ContinuationToken"))
        assert dropped.continuation_token is None and dropped.next_token == "tok-2"
        assert (
            page(apply("s3_drop_listing_elements", body, element="CommonPrefixes")).prefixes == []
        )


def test_keys_are_rewritten_as_decoded_text() -> None:
    for body in (LISTING, PREFIXED):
        plus = page(apply("s3_rewrite_listed_keys", body, how="plus-as-space"))
        assert [k.key for k in plus.keys] == ["a b", "cafe\u0301"]
        assert plus.prefixes == ["p /"]
        nfc = page(apply("s3_rewrite_listed_keys", body, how="nfc"))
        assert [k.key for k in nfc.keys] == ["a+b", "café"]


def test_plain_listings_are_rewritten_through_their_escapes() -> None:
    body = b"<ListBucketResult><Contents><Key>a+b &amp; c</Key></Contents></ListBucketResult>"
    assert edit_keys(body, lambda k: k.replace("+", " ")) == body.replace(b"+", b" ")
    assert text_of(body, "Key") == "a+b & c"


def test_etags_are_rewritten_in_xml_and_headers() -> None:
    unquoted = page(apply("s3_rewrite_etags", LISTING, how="unquote"))
    assert [k.etag for k in unquoted.keys] == [
        "d41d8cd98f00b204e9800998ecf8427e",
        "0cc175b9c0f1b6a831c399e269772661-2",
    ]
    counted = page(apply("s3_rewrite_etags", PREFIXED, how="drop-part-count"))
    assert counted.keys[1].etag == '"0cc175b9c0f1b6a831c399e269772661"'
    other = page(apply("s3_rewrite_etags", LISTING, how="other-bytes"))
    assert other.keys[0].etag == '"d41d8cd98f00b204e9800998ecf84270"'


def test_sizes_and_empty_objects() -> None:
    sized = page(apply("s3_misreport_listed_sizes", LISTING))
    assert [k.size for k in sized.keys] == [0, 6]
    assert [k.key for k in page(apply("s3_hide_empty_objects", PREFIXED)).keys] == ["cafe\u0301"]


def test_a_refused_read_is_served_what_the_proxy_saw_written() -> None:
    transform = TRANSFORMS["s3_serve_refused_reads"]()
    exchange = Exchange("http://upstream", requests.Session())
    put = ProxyRequest("PUT", "/b/k", "", {"Host": "h"}, b"secret")
    assert transform.on_request(exchange, put) is None
    transform.on_response(exchange, put, ProxyResponse(200, {}, b""))
    get = ProxyRequest("GET", "/b/k", "", {"Host": "h"}, b"")
    served = transform.on_response(exchange, get, ProxyResponse(403, {}, b"<Error/>"))
    assert (served.status, served.body) == (200, b"secret")
    other = ProxyRequest("GET", "/b/other", "", {"Host": "h"}, b"")
    assert transform.on_response(exchange, other, ProxyResponse(403, {}, b"")).status == 403


def test_a_range_end_is_read_as_exclusive() -> None:
    transform = TRANSFORMS["s3_range_end_exclusive"]()
    exchange = Exchange("http://upstream", requests.Session())
    request = ProxyRequest("GET", "/b/k", "", {"Range": "bytes=0-3"}, b"")
    response = ProxyResponse(206, {"Content-Range": "bytes 0-3/10"}, b"abcd")
    out = transform.on_response(exchange, request, response)
    assert (out.body, out.header("Content-Range")) == (b"abc", "bytes 0-2/10")
