"""Hypothesis strategies shared by the tests that bend requests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def json_values(*, text: int = 12, width: int = 3, leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value: scalars, and lists and objects of them up to ``width`` wide."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=text),
        lambda children: (
            st.lists(children, max_size=width)
            | st.dictionaries(st.text(max_size=10), children, max_size=width)
        ),
        max_leaves=leaves,
    )
