"""The docs state facts the code can check: no link leaves the repository, the README's
METRICS_ALLOWED_IPS default is the settings' default, and reliability.md's operation
count is the schema's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_link_or_path_points_outside_the_repository(doc):
    text = doc.read_text()
    # Links resolve from the document's folder; paths in backticks are written from the
    # repository root (e.g. `taskflow/settings.py`).
    links = [(doc.parent, t) for t in re.findall(r"\]\(([^)#\s]+)", text)]
    paths = [(ROOT, t) for t in re.findall(r"`(\.\./[^`\s]+)`", text)]
    outside = [
        target
        for base, target in links + paths
        if "://" not in target
        and not target.startswith("mailto:")
        and not (base / target).resolve().is_relative_to(ROOT)
    ]
    assert outside == []


def test_readme_metrics_allowed_ips_default_is_the_settings_default():
    row = next(
        line
        for line in (ROOT / "README.md").read_text().splitlines()
        if "METRICS_ALLOWED_IPS" in line
    )
    documented = re.search(r"\| `([^`]*)` \(none in production\)", row)[1]
    assert documented.split(",") == settings.METRICS_ALLOWED_IPS


@pytest.mark.django_db
def test_reliability_doc_counts_the_schemas_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    count = sum(1 for item in schema["paths"].values() for method in item if method in methods)
    documented = re.search(
        r"of the API's (\d+) operations", (ROOT / "docs/reliability.md").read_text()
    )
    assert int(documented[1]) == count
