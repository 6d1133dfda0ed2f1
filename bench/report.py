"""Results go to docs/performance.md, each between its own markers, so a rerun
replaces exactly the figures it measured; the raw numbers go to var/bench/*.json."""

from __future__ import annotations

import json
import re
import shlex
import sys
from datetime import UTC, datetime
from typing import Any

from bench import harness

DOC = harness.ROOT / "docs" / "performance.md"
RAW = harness.ROOT / "var" / "bench"


def header() -> str:
    command = "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Command: `{command}` · {stamp} · {harness.machine()}\n"


def publish(name: str, markdown: str, raw: dict[str, Any], *, write: bool) -> None:
    print(markdown)
    RAW.mkdir(parents=True, exist_ok=True)
    (RAW / f"{name}.json").write_text(json.dumps(raw, indent=2, default=str))
    if not write:
        return
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    DOC.write_text(text)
    print(f"(written to {DOC.relative_to(harness.ROOT)})")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
