"""The access log's Merkle tree, as RFC 9162 (Certificate Transparency 2.0) section 2.1 defines it.

The log's entries are the leaves, in order. A tree head (size, root hash) signed now commits to
every entry so far: changing, removing, inserting or reordering any of them changes the root,
and a later tree can be shown to extend an earlier one with a consistency proof of about
log2(size) hashes. The hashes are the RFC's, so any CT tooling can check our proofs:

    leaf hash      SHA-256(0x00 || entry)
    interior node  SHA-256(0x01 || left || right)
    MTH(D[0:n])    the leaf hash if n = 1; else, with k the largest power of two below n,
                   SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))

A complete subtree (2**level leaves from position * 2**level) never changes once its last leaf
is in, so the log stores each one as it completes (``access_log_nodes``, insert only): a root or
a proof then needs O(log n) stored hashes instead of every leaf. This module is pure; where the
nodes come from is the caller's affair (``tree.py`` reads them from the database).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH of no entries: the hash of the empty string."""

NodeLookup = Callable[[int, int], bytes]
"""The stored hash of the complete subtree at (level, position)."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly below ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, straight from the definition (O(n); for checks and tests)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


@dataclass
class Frontier:
    """The complete subtrees of a growing tree: enough to extend it and to compute its root.

    ``append`` returns every subtree its leaf completes, as (level, position, hash), which is
    exactly what the log stores.
    """

    size: int = 0
    stack: list[bytes] = field(default_factory=list)
    """Roots of the complete subtrees, largest (leftmost) first; one per 1-bit of ``size``."""

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        completed = [(0, self.size, leaf)]
        current, level, position = leaf, 0, self.size
        while position & 1:
            current = node_hash(self.stack.pop(), current)
            level, position = level + 1, position >> 1
            completed.append((level, position, current))
        self.stack.append(current)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        current = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            current = node_hash(left, current)
        return current


def range_hash(start: int, end: int, node: NodeLookup) -> bytes:
    """MTH of leaves [start, end), from stored complete subtrees.

    Every range the RFC's algorithms ask for splits, left first, into a complete subtree of the
    largest power of two that fits and the rest, so each piece is one stored node.
    """
    size = end - start
    if size <= 0:
        raise ValueError(f"empty range [{start}, {end})")
    if size & (size - 1) == 0 and start % size == 0:
        return node(size.bit_length() - 1, start // size)
    k = split_point(size)
    return node_hash(range_hash(start, start + k, node), range_hash(start + k, end, node))


def root_at(size: int, node: NodeLookup) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(0, size, node)


def consistency_proof(old_size: int, new_size: int, node: NodeLookup) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1: shows the tree of ``new_size`` extends ``old_size``."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"consistency from {old_size} to {new_size}: sizes out of order")
    if old_size in (0, new_size):
        return []
    return _subproof(old_size, 0, new_size, True, node)


def _subproof(m: int, start: int, end: int, whole: bool, node: NodeLookup) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [range_hash(start, end, node)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, start, start + k, whole, node), range_hash(start + k, end, node)]
    return [*_subproof(m - k, start + k, end, False, node), range_hash(start, start + k, node)]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: whether ``proof`` shows ``new_root`` extends ``old_root``."""
    if old_size > new_size or old_size < 0:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def inclusion_proof(index: int, size: int, node: NodeLookup) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1: the audit path of leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(range_hash(start + k, end, node))
            end = start + k
        else:
            path.append(range_hash(start, start + k, node))
            start += k
    return list(reversed(path))


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: whether ``proof`` puts ``leaf`` at ``index`` under ``root``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root
