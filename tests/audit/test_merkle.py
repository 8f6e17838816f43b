"""The Merkle tree against RFC 9162's definitions: roots, stored subtrees, both kinds of proof."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from plateward.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)


def leaves(count: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(count)]


def stored(count: int) -> dict[tuple[int, int], bytes]:
    frontier, nodes = Frontier(), {}
    for leaf in leaves(count):
        for level, position, value in frontier.append(leaf):
            nodes[(level, position)] = value
    return nodes


def test_hashes_are_the_rfcs() -> None:
    a, b, c = leaves(3)
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert tree_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert tree_hash([a]) == a
    # Three leaves: the left subtree is the largest power of two below 3.
    assert tree_hash([a, b, c]) == node_hash(node_hash(a, b), c)


@given(st.integers(min_value=0, max_value=300))
def test_the_frontier_and_stored_nodes_give_the_definitions_root(count: int) -> None:
    frontier = Frontier()
    nodes: dict[tuple[int, int], bytes] = {}
    for leaf in leaves(count):
        for level, position, value in frontier.append(leaf):
            nodes[(level, position)] = value
    expected = tree_hash(leaves(count))
    assert frontier.root() == expected
    assert root_at(count, lambda level, position: nodes[(level, position)]) == expected


@given(st.integers(min_value=1, max_value=200), st.data())
def test_consistency_proofs_verify_and_catch_a_changed_history(
    size: int, data: st.DataObject
) -> None:
    old = data.draw(st.integers(min_value=0, max_value=size))
    nodes = stored(size)
    proof = consistency_proof(old, size, lambda lv, pos: nodes[(lv, pos)])
    old_root, new_root = tree_hash(leaves(old)), tree_hash(leaves(size))
    assert verify_consistency(old, size, old_root, new_root, proof)
    if 0 < old < size:
        forged = leaves(old)
        forged[data.draw(st.integers(min_value=0, max_value=old - 1))] = leaf_hash(b"rewritten")
        assert not verify_consistency(old, size, tree_hash(forged), new_root, proof)
        assert not verify_consistency(old, size, old_root, new_root, proof[:-1])


@given(st.integers(min_value=1, max_value=200), st.data())
def test_inclusion_proofs_verify_only_the_right_leaf(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    nodes = stored(size)
    proof = inclusion_proof(index, size, lambda lv, pos: nodes[(lv, pos)])
    root = tree_hash(leaves(size))
    assert verify_inclusion(index, size, leaves(size)[index], proof, root)
    assert not verify_inclusion(index, size, leaf_hash(b"another entry"), proof, root)
