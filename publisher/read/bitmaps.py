"""Sets of practices as bitmaps (bit i = practice id i; ids run newest first), as read/search.py counts
and pages them: one big integer per set, so that AND, popcount and "the n-th newest" cost about the same
for 10 or 100,000 practices."""

from __future__ import annotations


def bitmap(ids: list[int], size: int) -> int:
    """The bitmap of `ids` below `size`: one ASCII digit per id read as a base-2 number (much faster than
    setting bits one by one)."""
    digits = bytearray(b"0" * size)
    for i in ids:
        if i < size:
            digits[i] = 49
    return int(digits[::-1], 2)


def nth_bit(bits: int, n: int) -> int:
    """The position of the n-th (from 0) set bit of `bits`, or -1: a binary search on popcounts."""
    if n >= bits.bit_count():
        return -1
    low, high = 0, bits.bit_length()          # popcount(bits below high) > n >= popcount(bits below low)
    while high - low > 1:
        middle = (low + high) // 2
        if (bits & ((1 << middle) - 1)).bit_count() > n:
            high = middle
        else:
            low = middle
    return low


def first_ids(bits: int, offset: int, limit: int) -> list[int]:
    """Ids of the set bits number offset .. offset+limit-1 (ids are newest first)."""
    start = nth_bit(bits, offset)
    if start < 0:
        return []
    ids: list[int] = []
    rest = bits >> start
    position = start
    while rest and len(ids) < limit:
        step = (rest & -rest).bit_length() - 1   # the lowest set bit
        position += step
        ids.append(position)
        rest >>= step + 1
        position += 1
    return ids
