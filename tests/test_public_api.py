"""``conformance.__all__`` is the public face: every name exists and nothing public is missing."""

from __future__ import annotations

import conformance


def test_all_names_exist() -> None:
    missing = [name for name in conformance.__all__ if not hasattr(conformance, name)]
    assert not missing


def test_every_public_attribute_is_in_all() -> None:
    public = {
        n
        for n in vars(conformance)
        if not n.startswith("_") and not isinstance(getattr(conformance, n), type(conformance))
    }
    public.discard("annotations")
    assert public <= set(conformance.__all__), sorted(public - set(conformance.__all__))
