"""LINK-004 and LINK-006: messages with links reach the recipient exactly as sent."""

from __future__ import annotations

import pytest
from hypothesis import example
from hypothesis import strategies as st

from conformance import ALICE, BOB, Examples, Finding, Harness, Mismatch
from conformance.link.client import LinkClient, Message
from conformance.link.hosts import LinkDomains
from conformance.link.policy import Policy
from conformance.link.urls import (
    SHOP_SAMPLES,
    TRICKY_PIECES,
    LinkSample,
    link_samples,
    message_texts,
    urls_on,
)


def messages(hosts: tuple[str, ...]) -> st.SearchStrategy[tuple[list[str], str]]:
    """The URLs of one sample on every host, and a text carrying them all."""

    def with_text(sample: LinkSample) -> st.SearchStrategy[tuple[list[str], str]]:
        urls = urls_on(sample, hosts)
        return message_texts(urls).map(lambda text: (urls, text))

    return link_samples().flatmap(with_text)


def tricky_message(hosts: tuple[str, ...]) -> tuple[list[str], str]:
    """A product link on every host amid every tricky piece: tried before generated texts."""
    urls = urls_on(SHOP_SAMPLES[0], hosts)
    pieces = list(TRICKY_PIECES)
    text = "".join(pieces) + "".join(
        f" {url}\n{pieces[i % len(pieces)]}" for i, url in enumerate(urls)
    )
    return urls, text


def send_and_read(link: LinkClient, harness: Harness, text: str) -> Message:
    """alice sends ``text`` to bob; bob reads it back."""
    message_id, _ = link.send_message(ALICE, harness.target.user_id("bob"), text)
    return link.read_message(BOB, message_id)


def first_difference(sent: str, got: str) -> str:
    """Where two texts part, with a few code points of each around it."""
    at = next(
        (i for i, (a, b) in enumerate(zip(sent, got, strict=False)) if a != b),
        min(len(sent), len(got)),
    )
    # !a: a decomposed "e" + U+0301 and a composed U+00E9 look alike; their escapes do not.
    return (
        f"first difference at code point {at}: sent {sent[at : at + 12]!a}, "
        f"read {got[at : at + 12]!a}; lengths {len(sent)} and {len(got)} code points"
    )


def hosts_of(domains: LinkDomains, policy: Policy) -> tuple[str, ...]:
    """Every configured domain and every listed one."""
    return (
        domains.own
        + domains.competitor
        + domains.neutral
        + tuple(entry.domain for entry in policy.listed)
    )


@pytest.mark.requirement("LINK-004")
def test_messages_with_links_are_delivered_exactly_as_sent(
    link: LinkClient, domains: LinkDomains, policy: Policy, harness: Harness, examples: Examples
) -> None:
    """bob reads what alice sent, code point for code point, whoever owns the linked domains."""
    hosts = hosts_of(domains, policy)

    @examples.given(messages(hosts))
    @example(tricky_message(hosts))
    def delivered(case: tuple[list[str], str]) -> None:
        _, text = case
        message = send_and_read(link, harness, text)
        mismatches: list[Mismatch] = []
        got = message.body.get("text")
        if got != text:
            why = first_difference(text, got) if isinstance(got, str) else "not a string"
            mismatches.append(Mismatch(f"message {message.id} text as read by bob", text, got, why))
        for field, user in (("from", "alice"), ("to", "bob")):
            if message.body.get(field) != harness.target.user_id(user):
                mismatches.append(
                    Mismatch(
                        f"message {message.id} {field}",
                        harness.target.user_id(user),
                        message.body.get(field),
                    )
                )
        if mismatches:
            raise Finding(
                "a message with links is not delivered as sent",
                mismatches=mismatches,
                evidence=[message.exchange],
            )

    delivered()


@pytest.mark.requirement("LINK-006")
def test_message_links_are_not_replaced(
    link: LinkClient, domains: LinkDomains, policy: Policy, harness: Harness, examples: Examples
) -> None:
    """Every URL alice sent is in the text bob reads, verbatim: no token, no instruction."""

    hosts = hosts_of(domains, policy)

    @examples.given(messages(hosts))
    @example(tricky_message(hosts))
    def carried(case: tuple[list[str], str]) -> None:
        urls, text = case
        message = send_and_read(link, harness, text)
        got = message.body.get("text")
        got = got if isinstance(got, str) else ""
        missing = [url for url in urls if url not in got]
        if missing:
            raise Finding(
                "links in a message are replaced or removed before the recipient reads them",
                mismatches=[
                    Mismatch(
                        f"message {message.id} as read by bob",
                        url,
                        got[:400],
                        "the link must reach the recipient as a link, not as something to copy",
                    )
                    for url in missing
                ],
                evidence=[message.exchange],
            )

    carried()
