"""Where reliability and security tests leave their figures for docs/reliability.md."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings

FIGURES_DIR = Path(settings.BASE_DIR) / "var" / "reliability"


def write_figures(name: str, figures: dict[str, Any]) -> Path:
    """Write ``figures`` to var/reliability/<name>.json and print them (pytest -s)."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True, default=str) + "\n")
    print(f"\n[figures] {name}: {json.dumps(figures, sort_keys=True, default=str)}")
    return path


def status_classes(codes: Counter[int] | list[int]) -> dict[str, int]:
    counted = Counter(codes)
    return {
        "requests": sum(counted.values()),
        "2xx": sum(n for code, n in counted.items() if 200 <= code < 300),
        "4xx": sum(n for code, n in counted.items() if 400 <= code < 500),
        "5xx": sum(n for code, n in counted.items() if code >= 500),
        "by_status": {str(code): n for code, n in sorted(counted.items())},
    }
