"""Swagger UI as a person meets it: headings are summaries, not operation ids; the
Authorize dialog offers the JWT first; a pasted token survives a reload."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_headings_are_summaries_and_the_jwt_is_offered_first(page):
    page.goto("/api/docs/")
    first_tag = page.locator(".swagger-ui .opblock-tag").first
    first_tag.wait_for()
    assert first_tag.inner_text().startswith("Authentication")
    first_operation = page.locator(".swagger-ui .opblock").first
    assert (
        first_operation.locator(".opblock-summary-path").inner_text().startswith("/api/auth/login/")
    )
    assert first_operation.locator(".opblock-summary-description").inner_text() == "Sign in"
    assert page.locator(".opblock-summary-operation-id").count() == 0

    page.locator(".swagger-ui .btn.authorize").first.click()
    schemes = page.locator(".swagger-ui .modal-ux .auth-container h4")
    schemes.first.wait_for()
    assert schemes.first.inner_text().startswith("jwtAuth")
    assert "POST /api/auth/login/" in page.locator(".modal-ux .auth-container").first.inner_text()

    # persistAuthorization: the pasted token is still there after a reload.
    jwt = page.locator(".modal-ux .auth-container").first
    jwt.locator("input").fill("an.access.token")
    jwt.locator("button.modal-btn.authorize").click()
    jwt.get_by_text("Logout").wait_for()
    page.reload()
    page.locator(".swagger-ui .btn.authorize.locked").first.wait_for()
    assert [e for e in page.errors if "Content Security Policy" in e] == []
