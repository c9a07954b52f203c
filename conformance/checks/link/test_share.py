"""LINK-007: a shared post's public page is the same for every visitor."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from conformance.errors import Finding, Mismatch
from conformance.examples import Examples
from conformance.harness import Harness
from conformance.link.client import LinkClient
from conformance.link.hosts import link_domains
from conformance.link.pages import page_text, shows
from conformance.link.urls import LinkSample, link_samples, share_texts, urls_on
from conformance.link.visitors import Visit, refuse_foreign, visit, visitors
from conformance.roles import ALICE


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


@pytest.mark.requirement("LINK-007")
def test_share_page_is_the_same_for_every_visitor(
    link: LinkClient, harness: Harness, examples: Examples
) -> None:
    """In-app browsers, a generic browser and a crawler get the same status, redirects and text."""
    who = visitors(harness.target)

    @examples.given(share_cases(_hosts(harness)))
    def same_page(text: str) -> None:
        share_url, created = link.create_post(ALICE, text)
        seen: dict[str, Visit] = {v.name: visit(link.probe, share_url, v) for v in who}
        evidence = [created.exchange] + [v.final.exchange for v in seen.values()]
        baseline_name = who[0].name
        baseline = seen[baseline_name]
        mismatches = [
            Mismatch(
                f"GET {share_url} as {name}: status and redirects",
                list(baseline.hops),
                list(got.hops),
                f"what {baseline_name} got",
            )
            for name, got in seen.items()
            if got.hops != baseline.hops
        ]
        if not mismatches and baseline.foreign:
            raise refuse_foreign(share_url, baseline.foreign)
        for name, got in seen.items():
            final = got.final
            label = f"GET {share_url} as {name}"
            if got.foreign:
                continue
            if final.status != 200:
                mismatches.append(Mismatch(f"{label}: status", 200, final.status))
                continue
            media_type = final.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media_type != "text/html":
                mismatches.append(Mismatch(f"{label}: Content-Type", "text/html", media_type))
            elif not shows(final.text, text):
                mismatches.append(
                    Mismatch(
                        f"{label}: page text",
                        text,
                        page_text(final.text)[:400],
                        "the post text, as served, before any script runs",
                    )
                )
        if mismatches:
            raise Finding(
                "the share page differs by visitor or withholds the post text",
                mismatches=mismatches,
                evidence=evidence,
            )

    same_page()
