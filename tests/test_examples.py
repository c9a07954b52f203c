"""What the suite generates comes from its strategies and its seed, not from loaded source."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import strategies as st

from conformance._harness.examples import Examples, draw

LITERAL = "qzxqzxqzxqzxqzxqz"
"""A literal of a module loaded from outside site-packages, as the suite's own are
when it runs from a checkout (Hypothesis would otherwise draw it about once in 20;
it keeps literals of at most 20 characters)."""


@pytest.fixture
def local_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "marker_module.py").write_text(f"MARK = {LITERAL!r}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("marker_module")
    yield
    sys.modules.pop("marker_module", None)


@pytest.mark.usefixtures("local_module")
def test_properties_never_draw_a_literal_of_a_loaded_module() -> None:
    seen: list[str] = []
    examples = Examples(seed=7, max_examples=400, shrink=False, calls=1000)

    @examples.given(st.text(alphabet="qzx", min_size=len(LITERAL), max_size=len(LITERAL)))
    def collect(value: str) -> None:
        seen.append(value)

    collect()
    assert len(seen) >= 300
    assert LITERAL not in seen


@pytest.mark.usefixtures("local_module")
def test_a_drawn_corpus_never_is_a_literal_of_a_loaded_module() -> None:
    strategy = st.text(alphabet="qzx", min_size=len(LITERAL), max_size=len(LITERAL))
    drawn = {draw(strategy, seed) for seed in range(200)}
    assert len(drawn) > 150
    assert LITERAL not in drawn
