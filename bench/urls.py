"""Production routes plus the benchmark floor, selected with ROOT_URLCONF=bench.urls.

The floor is the cheapest useful Django response: the full middleware stack and URL
resolution, no authentication, no database, no serializer. Every ratio in
docs/performance.md is an endpoint's throughput divided by this view's, measured on
the same gunicorn in the same run.
"""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def floor(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "items": [1, 2, 3]})


urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("", include("taskflow.urls")),
]

if os.environ.get("BENCH_CEILING"):
    # bench.ceilings: a worker serving one of its ceilings (never a way to run the app).
    from bench import ceilings

    ceilings.install(os.environ["BENCH_CEILING"])
