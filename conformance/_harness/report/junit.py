"""junit.xml: one testcase per requirement, for CI systems that read JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance._harness.results import Outcome, RunResult
from conformance._harness.safe_text import xml_text as _clean


def build(result: RunResult) -> ET.Element:
    """The JUnit tree: a testsuite per standard, a testcase per requirement."""
    root = ET.Element("testsuites", name=_clean(f"conformance {result.target.get('name', '')}"))
    suites: dict[str, ET.Element] = {}
    for req in result.requirements:
        suite = suites.get(req.info.standard)
        if suite is None:
            suite = ET.SubElement(
                root, "testsuite", name=_clean(f"{req.info.standard} {req.info.version}")
            )
            suites[req.info.standard] = suite
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_clean(f"{req.info.standard}.{req.info.profile}"),
            name=_clean(f"{req.info.id} [{req.info.level}]"),
            time=f"{sum(c.duration for c in req.checks):.3f}",
        )
        message = _clean(req.reason.splitlines()[0] if req.reason else req.outcome.value)
        body = _clean(req.reason)
        if req.outcome is Outcome.FAIL and req.is_must:
            ET.SubElement(case, "failure", message=message, type="fail").text = body
        elif req.outcome is Outcome.ERROR:
            ET.SubElement(case, "error", message=message, type="error").text = body
        elif req.outcome is not Outcome.PASS:
            ET.SubElement(case, "skipped", message=f"{req.outcome.value}: {message}")
        ET.SubElement(case, "system-out").text = _clean(req.info.text)
    for suite in suites.values():
        cases = list(suite.iter("testcase"))
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    return root


def write(result: RunResult, path: Path) -> Path:
    """Write junit.xml."""
    tree = ET.ElementTree(build(result))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)  # every text passed _clean
    return path
