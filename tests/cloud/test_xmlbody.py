"""XML bodies: read safely, namespace or none, indentation ignored, shaped by the schema."""

from __future__ import annotations

import pytest
from s3_schemas import SmallSchemas

from conformance._harness.errors import Finding
from conformance.cloud.xmlbody import XmlError, parse, read

LISTING = SmallSchemas().schema("CLOUD", "ListBucketResult")
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def listing(namespace: str = NS, indent: str = "") -> bytes:
    n = "\n" + indent if indent else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{n}<ListBucketResult {namespace}>'
        f"{n}<IsTruncated>false</IsTruncated>{n}<MaxKeys>1000</MaxKeys>"
        f"{n}<Contents>{n}<Key> spaced key </Key>{n}<Size>12</Size>"
        f"{n}<ETag>&quot;abc&quot;</ETag>{n}</Contents>{n}</ListBucketResult>"
    ).encode()


EXPECTED = {
    "ListBucketResult": {
        "IsTruncated": False,
        "MaxKeys": 1000,
        "Contents": [{"Key": " spaced key ", "Size": 12, "ETag": '"abc"'}],
    }
}


@pytest.mark.parametrize("namespace", [NS, "", 'xmlns:s3="urn:x"'])
@pytest.mark.parametrize("indent", ["", "  ", "\t"])
def test_namespace_and_indentation_do_not_change_the_value(namespace: str, indent: str) -> None:
    assert parse(listing(namespace, indent), LISTING) == EXPECTED


def test_a_prefixed_namespace_is_ignored_too() -> None:
    body = b'<s3:ListBucketResult xmlns:s3="urn:s3"><s3:IsTruncated>true</s3:IsTruncated></s3:ListBucketResult>'
    assert parse(body, LISTING) == {"ListBucketResult": {"IsTruncated": True}}


def test_repeated_elements_are_lists_and_a_single_one_too_where_the_schema_says_array() -> None:
    two = b"<ListBucketResult><Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents></ListBucketResult>"
    assert parse(two, LISTING)["ListBucketResult"]["Contents"] == [{"Key": "a"}, {"Key": "b"}]
    one = b"<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>"
    assert parse(one, LISTING)["ListBucketResult"]["Contents"] == [{"Key": "a"}]
    # Without a schema, only what repeats is a list; leaves stay text.
    assert parse(one) == {"ListBucketResult": {"Contents": {"Key": "a"}}}
    assert parse(two)["ListBucketResult"]["Contents"] == [{"Key": "a"}, {"Key": "b"}]


def test_values_that_do_not_fit_the_schema_stay_text_for_the_schema_to_flag() -> None:
    body = b"<ListBucketResult><IsTruncated>maybe</IsTruncated><MaxKeys>ten</MaxKeys></ListBucketResult>"
    inner = parse(body, LISTING)["ListBucketResult"]
    assert inner == {"IsTruncated": "maybe", "MaxKeys": "ten"}
    rows = SmallSchemas().check("CLOUD", "ListBucketResult", {"ListBucketResult": inner})
    assert {r.path for r in rows} == {
        "$.ListBucketResult.IsTruncated",
        "$.ListBucketResult.MaxKeys",
    }


def test_an_empty_leaf_is_empty_text() -> None:
    body = b"<ListBucketResult><Prefix></Prefix><Contents><Key></Key></Contents></ListBucketResult>"
    assert parse(body, LISTING) == {"ListBucketResult": {"Prefix": "", "Contents": [{"Key": ""}]}}


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<ListBucketResult><Key>&lol2;</Key></ListBucketResult>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><ListBucketResult>&x;</ListBucketResult>"""
DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE ListBucketResult SYSTEM "http://example.org/x.dtd"><ListBucketResult/>'


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (BOMB, "DTD"),
        (EXTERNAL, "DTD"),
        (DTD_ONLY, "DTD"),
        (b"<ListBucketResult><Key>a</ListBucketResult>", "not well-formed"),
        (b"", "not well-formed"),
        (b'{"json": true}', "not well-formed"),
    ],
)
def test_unsafe_or_broken_xml_is_a_finding_saying_why(body: bytes, why: str) -> None:
    with pytest.raises(Finding) as caught:
        parse(body, LISTING, evidence=["x-1"])
    (row,) = caught.value.mismatches
    assert why in row.why and row.path == "body"
    assert caught.value.evidence == ("x-1",)


def test_entities_are_refused_even_without_a_dtd_check() -> None:
    """The DTD is refused first; with DTDs allowed, defusedxml would still refuse the entities."""
    with pytest.raises(XmlError, match="DTD"):
        read(BOMB)


def test_an_oversized_body_is_refused_before_it_is_parsed() -> None:
    body = b"<ListBucketResult>" + b"<Key>x</Key>" * 200 + b"</ListBucketResult>"
    with pytest.raises(Finding) as caught:
        parse(body, limit=1000)
    assert "more than the 1000 bytes" in caught.value.mismatches[0].why
    assert parse(body, limit=len(body))["ListBucketResult"]["Key"][0] == "x"
