"""Browser suite: Debian's chromium driven by Playwright against pytest-django's live
server. Skips (with the reason) when chromium or axe-core is missing; under CI=true a
missing one fails instead."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import STEP_TIMEOUT_MS

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require(path: Path | str, what: str) -> None:
    if Path(path).exists():
        return
    reason = f"{what} not found at {path}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


# Module scope: Playwright's event loop lives only as long as one browser test module,
# so the suites collected after this one run with Django's async guard in place.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require(CHROMIUM, "chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
    # and fixtures make here are still plain synchronous calls, so Django's guard against
    # ORM use inside a running loop is lifted for this suite only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    tab.dialogs = dialogs
    tab.errors = errors
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    _require(AXE, "axe-core (run `npm ci`)")
    return AXE.read_text()


@pytest.fixture
def check_a11y(axe_source):
    """Run axe-core in the page; fail on any serious or critical violation."""

    def check(tab: Any) -> None:
        # evaluate() runs over the DevTools protocol, so the page's CSP (no inline
        # scripts) does not stop the injection.
        tab.evaluate(axe_source)
        result = tab.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{tab.url}: {json.dumps(bad, indent=1)}"

    return check
