"""32-bit sequence arithmetic holds across the 2**32 wrap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.model.seq import (
    relative,
    seq_add,
    seq_between,
    seq_diff,
    seq_ge,
    seq_gt,
    seq_in_window,
    seq_le,
    seq_lt,
    seq_max,
    seq_min,
)

SEQ = st.integers(0, 2**32 - 1)
STEP = st.integers(1, 2**31 - 1)


def test_wraparound_examples():
    assert seq_add(2**32 - 1, 1) == 0
    assert seq_lt(2**32 - 1000, 5) and seq_gt(5, 2**32 - 1000)
    assert seq_diff(5, 2**32 - 1000) == 1005
    assert seq_in_window(3, 2**32 - 2, 10) and not seq_in_window(8, 2**32 - 2, 10)
    assert seq_between(2**32 - 5, 0, 3)
    assert relative(10, 2**32 - 10) == 20


@settings(max_examples=100, deadline=None)
@given(a=SEQ, n=STEP)
def test_adding_a_forward_step_always_comes_after(a, n):
    b = seq_add(a, n)
    assert seq_lt(a, b) and seq_le(a, b) and seq_gt(b, a) and seq_ge(b, a)
    assert not seq_lt(b, a)
    assert seq_diff(b, a) == n and seq_diff(a, b) == -n
    assert seq_max(a, b) == b and seq_min(a, b) == a


@settings(max_examples=100, deadline=None)
@given(a=SEQ, n=st.integers(-(2**40), 2**40))
def test_add_stays_on_the_circle_and_relative_undoes_it(a, n):
    b = seq_add(a, n)
    assert 0 <= b < 2**32
    assert relative(b, a) == n % 2**32


@settings(max_examples=100, deadline=None)
@given(start=SEQ, size=st.integers(0, 2**31), offset=st.integers(0, 2**32 - 1))
def test_in_window_means_offset_below_size(start, size, offset):
    assert seq_in_window(seq_add(start, offset), start, size) == (offset < size)


@settings(max_examples=100, deadline=None)
@given(lo=SEQ, a=st.integers(0, 2**31 - 1), b=st.integers(0, 2**31 - 1))
def test_between_is_inclusive_on_both_ends(lo, a, b):
    x, hi = seq_add(lo, min(a, b)), seq_add(lo, max(a, b))
    assert seq_between(lo, x, hi) and seq_between(lo, lo, hi) and seq_between(lo, hi, hi)
    if max(a, b) < 2**31 - 1:
        assert not seq_between(lo, seq_add(hi, 1), hi)


@settings(max_examples=100, deadline=None)
@given(a=SEQ)
def test_equal_numbers_are_neither_before_nor_after(a):
    assert seq_le(a, a) and seq_ge(a, a) and not seq_lt(a, a) and not seq_gt(a, a)
    assert seq_diff(a, a) == 0
