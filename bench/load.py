"""A small closed-loop HTTP load generator (threads, keep-alive connections).

Used where locust's per-run start-up would swamp short alternating measurements: the
ratio, memory and capacity benchmarks. Every loop is bounded by a request count or a
deadline, whichever comes first.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def percentile(self, q: float) -> float:
        """Latency (ms) at quantile q (0..1), nearest rank."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def merge(self, other: Result) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.elapsed += other.elapsed
        self.latencies.extend(other.latencies)


def run(
    base_url: str,
    next_call: Callable[[int], Call],
    *,
    concurrency: int = 4,
    duration: float | None = None,
    total: int | None = None,
) -> Result:
    """Send requests from ``concurrency`` threads until ``duration`` seconds have passed
    or ``total`` requests were sent. ``next_call(i)`` builds the i-th request."""
    if duration is None and total is None:
        raise ValueError("bound the run by duration, total or both")
    parts = urlsplit(base_url)
    counter = itertools.count()
    lock = threading.Lock()
    result = Result()
    deadline = time.monotonic() + (duration if duration is not None else 3600)
    limit = total if total is not None else 10**9

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies: list[float] = []
        sent = errors = 0
        while time.monotonic() < deadline:
            i = next(counter)
            if i >= limit:
                break
            call = next_call(i)
            started = time.perf_counter()
            try:
                conn.request(call.method, call.path, body=call.body, headers=call.headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == call.expect
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            latencies.append(time.perf_counter() - started)
            sent += 1
            errors += not ok
        conn.close()
        with lock:
            result.requests += sent
            result.errors += errors
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - started
    return result
