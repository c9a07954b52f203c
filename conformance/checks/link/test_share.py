"""LINK-007: a shared post's public page is the same for every visitor."""

from __future__ import annotations

import pytest
from hypothesis import example
from hypothesis import strategies as st

from conformance import ALICE, Examples, Finding, Harness, Mismatch, Response
from conformance.link.client import LinkClient
from conformance.link.hosts import link_domains
from conformance.link.pages import decode_page, page_text, shows
from conformance.link.urls import TRICKY_SHARE_TEXT, LinkSample, link_samples, share_texts, urls_on
from conformance.link.visitors import Visit, refuse_foreign, visit, visitors


def share_cases(hosts: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Post texts with generated links on the given hosts."""

    def text(sample: LinkSample) -> st.SearchStrategy[str]:
        return share_texts(urls_on(sample, hosts))

    return link_samples().flatmap(text)


def _hosts(harness: Harness) -> tuple[str, ...]:
    # The share profile does not need domains; it uses them when the target names them.
    if not harness.target.domains.get("competitor") or not harness.target.domains.get("neutral"):
        return ()
    found = link_domains(harness.target)
    return found.competitor + found.neutral


def _grouped(by_value: dict[str, list[str]]) -> str:
    return "; ".join(f"{', '.join(names)}" for names in by_value.values())


def page_problem(final: Response, text: str) -> tuple[str, object, object] | None:
    """What is wrong with the final answer: (what, expected, received), or None."""
    if final.status != 200:
        return ("status", 200, final.status)
    content_type = final.headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "text/html":
        return ("Content-Type", "text/html", media_type)
    page = decode_page(final.content, content_type)
    if not shows(page, text):
        return ("page text (before any script runs)", text, page_text(page)[:400])
    return None


@pytest.mark.requirement("LINK-007")
def test_share_page_is_the_same_for_every_visitor(
    link: LinkClient, harness: Harness, examples: Examples
) -> None:
    """In-app browsers, generic browsers, crawlers and previews get the same status and text."""
    who = visitors(harness.target)

    @example(TRICKY_SHARE_TEXT)
    def same_page(text: str) -> None:
        share_url, created = link.create_post(ALICE, text)
        seen: dict[str, Visit] = {v.name: visit(link.probe, share_url, v) for v in who}
        baseline_name = who[0].name
        baseline = seen[baseline_name]
        by_hops: dict[tuple[tuple[int, str | None], ...], list[str]] = {}
        for name, got in seen.items():
            by_hops.setdefault(got.hops, []).append(name)
        mismatches = [
            Mismatch(
                f"GET {share_url} as {', '.join(names)}: status and redirects",
                list(baseline.hops),
                list(hops),
                f"what {baseline_name} got",
            )
            for hops, names in by_hops.items()
            if hops != baseline.hops
        ]
        if not mismatches and baseline.foreign:
            raise refuse_foreign(share_url, baseline.foreign)
        problems: dict[tuple[str, str], tuple[object, object, list[str]]] = {}
        for name, got in seen.items():
            if got.foreign:
                continue
            found = page_problem(got.final, text)
            if found is not None:
                what, expected, received = found
                key = (what, repr(received))
                problems.setdefault(key, (expected, received, []))[2].append(name)
        for (what, _), (expected, received, names) in problems.items():
            mismatches.append(
                Mismatch(
                    f"GET {share_url} as {', '.join(names)}: {what}",
                    expected,
                    received,
                    "the post text, as served, parsed as HTML, before any script runs",
                )
            )
        if mismatches:
            evidence = [created.exchange] + [v.final.exchange for v in seen.values()]
            raise Finding(
                "the share page differs by visitor or withholds the post text",
                mismatches=mismatches,
                evidence=evidence,
            )

    examples.given(share_cases(_hosts(harness)))(same_page)()
