"""The budget of a walked search (``tasks.search_backends.walk_budget``) in the case the
walk's rule cannot see: a word common in the rest of the database and rare in the
reader's projects, so that a walk of the date order reads all of the reader's tasks
before it fills a page. Beside it, a word dense in the reader's projects, whose walk the
budget must leave alone. One SQLite database: a crowd of CROWD tasks (one user, one
project) holding the common word in 5% of them, and a reader of READER tasks holding it
in RARE_HITS and the dense word in 5%. GET /api/tasks/?search=…&ordering=-created_at
through the full stack (test Client, JWT), the cells interleaved in a drawn order each
round. Arms:

- through the matches: the rule's costs patched so that it never walks;
- walked, no budget: the rule patched to always walk, the budget off (as before round
  28; against "later searches" for the dense word, what checking the budget costs);
- first search: as the app has it, the process's estimates dropped before the request
  (a walk that runs past its budget is read again through the matches);
- later searches: as the app has it, after one unmeasured request (an abandoned walk is
  not tried again for a minute).

docs/performance.md, "Round 28 (issue 15)". Run: ``python -m bench.search_walk_bound
[--rounds 25]`` (seeds for ~40 s, then ~1 minute)."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from contextlib import nullcontext
from typing import Any
from unittest import mock

from bench import search
from bench.harness import interleaved, stack

CROWD, READER, RARE_HITS = 100_000, 100_000, 5
COMMON, DENSE = "walrus", "heron"
ARMS = {
    "through the matches": {"LIST_MATCH_US": 0.0, "LIST_ROW_US": 0.0},
    "walked, no budget": {"WALK_BUILD_US": 0.0, "WALK_ROW_US": 0.0, "WALK_CHECK_EVERY": 0},
    "first search": {},
    "later searches": {},
}
WALKED = '+"tasks_task"."id" IN (SELECT i.task_id'
SEED = 28


def _plant(project_id: str, word: str, count: int, rng: random.Random) -> None:
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from tasks.models import Task

    ids = list(
        Task.objects.filter(project_id=project_id).order_by("id").values_list("id", flat=True)
    )
    chosen = rng.sample(ids, count)
    Task.objects.filter(pk__in=chosen).update(
        description=Concat(F("description"), Value(f" {word}"))
    )


def _seed() -> tuple[Any, float]:
    from bench.seed import make_tasks, make_users
    from projects.services import project_create

    started = time.monotonic()
    rng = random.Random(SEED)
    for name, size, common, dense in (
        ("crowd", CROWD, CROWD // 20, 0),
        ("reader", READER, RARE_HITS, READER // 20),
    ):
        (user,) = make_users(1, f"bound-{name}-")
        project = project_create(actor=user, name=f"Bound {name}")
        make_tasks(user.pk, size, seed=size, project_id=project.pk)
        _plant(project.pk, COMMON, common, rng)
        if dense:
            _plant(project.pk, DENSE, dense, rng)
    return user, time.monotonic() - started


def _request(client: Any, path: str) -> tuple[float, str]:
    """One request: its milliseconds and how its page was read (walked, walk abandoned
    and read through the matches, or through the matches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    statements = [query["sql"] for query in captured.captured_queries]
    walked = [i for i, sql in enumerate(statements) if WALKED in sql]
    if not walked:
        return elapsed, "matches"
    after = statements[walked[-1] + 1 :]
    reread = any('"tasks_task"."id" IN (SELECT' in sql for sql in after)
    return elapsed, "abandoned" if reread else "walked"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    with stack(db="sqlite", use_redis=False):
        from tasks import search_backends

        reader, seeded = _seed()
        client = search.api_client(reader)
        cells = [(word, arm) for word in (COMMON, DENSE) for arm in ARMS]
        ways: dict[tuple[str, str], set[str]] = {cell: set() for cell in cells}

        def measure(cell: tuple[str, str]) -> float:
            word, arm = cell
            path = search.search_path(word, "date")
            patched = ARMS[arm]
            with mock.patch.multiple(search_backends, **patched) if patched else nullcontext():
                search_backends.forget_estimates()
                if arm != "first search":
                    _request(client, path)
                elapsed, way = _request(client, path)
            ways[cell].add(way)
            return elapsed

        samples, spell = interleaved(cells, measure, rounds=args.rounds, seed=SEED)
    print(f"{spell}; sqlite, seeded in {seeded:.0f} s, {args.rounds} rounds,")
    print("p50 ms by date (-created_at)")
    print(f"crowd {CROWD:,} tasks ({CROWD // 20:,} hold {COMMON!r}), reader {READER:,} tasks")
    print(f"({RARE_HITS} hold {COMMON!r}, {READER // 20:,} hold {DENSE!r})")
    print()
    print(f"| reader's word | {' | '.join(ARMS)} |")
    print("|---" * (len(ARMS) + 1) + "|")
    for word, label in ((COMMON, f"{COMMON} (rare here)"), (DENSE, f"{DENSE} (dense here)")):
        cells_text = []
        for arm in ARMS:
            p50 = statistics.median(samples[word, arm])
            cells_text.append(f"{p50:.2f} ({', '.join(sorted(ways[word, arm]))})")
        print(f"| {label} | {' | '.join(cells_text)} |")


if __name__ == "__main__":
    main()
