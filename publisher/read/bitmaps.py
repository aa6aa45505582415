"""Sets of practices as bitmaps (bit i = practice id i; ids run newest first), as read/search.py counts
and pages them: one big integer per set, so that AND, popcount and "the n-th newest" cost about the same
for 10 or 100,000 practices."""

from __future__ import annotations

from collections.abc import Sequence

# Up to this many members, a set is put in another order by sorting; above, by walking that order.
SORT_BELOW = 20_000


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


def all_ids(bits: int) -> list[int]:
    """Every set bit's position, lowest first (the binary digits searched in C, not shifted in Python)."""
    digits = bin(bits)[:1:-1]
    ids, at = [], digits.find("1")
    while at >= 0:
        ids.append(at)
        at = digits.find("1", at + 1)
    return ids


def page_in_order(bits: int, order: Sequence[int], rank: Sequence[int], offset: int, limit: int) -> list[int]:
    """Ids offset .. offset+limit-1 of the set `bits` in another order (`order`: every id in that order;
    `rank[id]`: its position there). A small set is sorted by rank; a large one is found by walking
    `order`, where its members are dense enough that a page is reached in a few steps per item."""
    count = bits.bit_count()
    if offset >= count:
        return []
    if count <= SORT_BELOW:
        return sorted(all_ids(bits), key=rank.__getitem__)[offset:offset + limit]
    members = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    size, found, skip = len(members) * 8, [], offset
    for pid in order:
        if pid < size and members[pid >> 3] >> (pid & 7) & 1:
            if skip:
                skip -= 1
            else:
                found.append(pid)
                if len(found) >= limit:
                    break
    return found
