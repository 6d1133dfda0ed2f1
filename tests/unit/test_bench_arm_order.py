"""bench.harness.arm_order: the arms of each round of an in-process A/B in a drawn,
replayable order, each arm once (docs/performance.md, "Round 21 (issue 15)")."""

from __future__ import annotations

import itertools
import random

from bench.harness import arm_order


def orders(seed: int, rounds: int = 400) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    return [tuple(arm_order(("A", "B"), rng)) for _ in range(rounds)]


def test_each_round_has_every_arm_once():
    rng = random.Random(3)
    for _ in range(50):
        assert sorted(arm_order(["x", "y", "z"], rng)) == ["x", "y", "z"]


def test_the_order_is_drawn_not_alternated():
    drawn = orders(21)
    firsts = [order[0] for order in drawn]
    # Both arms go first about as often, and not by turns: some rounds repeat the last.
    assert 150 <= firsts.count("A") <= 250
    assert any(a == b for a, b in itertools.pairwise(firsts))


def test_a_seed_replays_its_orders():
    assert orders(21) == orders(21)
    assert orders(21) != orders(22)


def test_the_arms_passed_in_are_left_as_they_are():
    arms = ["A", "B"]
    arm_order(arms, random.Random(0))
    assert arms == ["A", "B"]
