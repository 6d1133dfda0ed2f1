"""Container health check: GET /healthz on this container's gunicorn, exit 0 or 1.

Used by the Dockerfile's HEALTHCHECK. Sends a Host header the app accepts (the first
ALLOWED_HOSTS entry), since Django answers 400 to hosts it does not serve.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def allowed_host() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip()
    if first in ("", "*"):
        return "localhost"
    return first.lstrip(".")  # ".example.com" allows example.com itself


def main() -> int:
    bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
    port = bind.rsplit(":", 1)[1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": allowed_host()}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
