"""The impact analysis finds dependency cycles among the platforms walked by looking only where a
loop can be (issue 14: the first request after a write <= 100 ms at 100,000 platforms): from the
edges to a platform no deeper than where they start. Checked against the plain definition on
many graphs: a group is the platforms that reach each other, and each is reported once, by its
shortest cycle through its smallest platform."""

from __future__ import annotations

import random
from collections import deque

import pytest

from platforms.selectors.impact import MAX_CYCLES, _cycles


def closure(start: int, children: dict[int, list[int]]) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for v in children.get(stack.pop(), ()):
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def expected_cycles(nodes: list[int], children: dict[int, list[int]]) -> list[list[int]]:
    """Every group of two or more platforms reaching each other, by its shortest cycle through
    its smallest platform (neighbours tried smallest first)."""
    reach = {u: closure(u, children) for u in nodes}
    groups = {frozenset(v for v in nodes if v in reach[u] and u in reach[v]) for u in nodes}
    cycles = []
    for group in groups:
        if len(group) < 2:
            continue
        start = min(group)
        came_from: dict[int, int] = {}
        queue = deque([start])
        found = None
        while queue and found is None:
            node = queue.popleft()
            for child in sorted(children.get(node, ())):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    found = [*reversed(path), start]
                    break
                if child in group and child not in came_from:
                    came_from[child] = node
                    queue.append(child)
        cycles.append(found)
    return sorted(cycles)[:MAX_CYCLES]


def walked(edges: set[tuple[int, int]], size: int) -> tuple[list[int], dict, dict, dict]:
    """The platforms reached from 0, the edges among them each way, and their depths."""
    children: dict[int, list[int]] = {u: [] for u in range(size)}
    for u, v in sorted(edges):
        children[u].append(v)
    depth = {0: 0}
    queue = deque([0])
    while queue:
        u = queue.popleft()
        for v in children[u]:
            if v not in depth:
                depth[v] = depth[u] + 1
                queue.append(v)
    nodes = sorted(depth)
    inside = {u: [v for v in children[u] if v in depth] for u in nodes}
    parents: dict[int, list[int]] = {u: [] for u in nodes}
    for u in nodes:
        for v in inside[u]:
            parents[v].append(u)
    del depth[0]  # the platform asked about has no depth of its own
    return nodes, inside, parents, depth


@pytest.mark.parametrize("seed", range(60))
def test_the_cycles_found_are_those_of_the_definition(seed):
    rng = random.Random(seed)
    size = rng.randint(2, 40)
    # Mostly pointing away from 0 (as dependents do), with a few edges back: some graphs have no
    # loop, some one, some several, some through the platform asked about.
    edges = set()
    for _ in range(rng.randint(1, 3 * size)):
        u, v = rng.sample(range(size), 2)
        if u > v and rng.random() > 0.08 * (seed % 4):
            u, v = v, u
        edges.add((u, v))
    nodes, children, parents, depth = walked(edges, size)

    assert _cycles(nodes, children, parents, depth) == expected_cycles(nodes, children)


def test_a_graph_without_a_loop_has_no_cycle_and_a_loop_through_the_start_has_one():
    # 0 -> 1 -> 2, 0 -> 2: every edge goes deeper or sideways, and none closes a loop.
    nodes, children, parents, depth = walked({(0, 1), (1, 2), (0, 2)}, 3)
    assert _cycles(nodes, children, parents, depth) == []
    # 0 -> 1 -> 2 -> 0.
    nodes, children, parents, depth = walked({(0, 1), (1, 2), (2, 0)}, 3)
    assert _cycles(nodes, children, parents, depth) == [[0, 1, 2, 0]]
