"""Arbitrary JSON payloads for the parser fuzz tests: any shape a broken venue could send, with
object keys drawn from the fields the parser reads so the fuzzing reaches past the first check."""

from __future__ import annotations

from hypothesis import strategies as st


def json_payloads(keys: list[str], *, nan: bool = False) -> st.SearchStrategy:
    """JSON values whose objects use ``keys``; ``nan`` lets NaN and infinities in (``json.dumps``
    writes them as ``NaN``/``Infinity``, which a strict parser must refuse)."""
    floats = st.floats() if nan else st.floats(allow_nan=False, allow_infinity=False)
    return st.recursive(st.none() | st.booleans() | floats | st.integers() | st.text(max_size=8),
                        lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(keys), inner, max_size=6), max_leaves=20)
