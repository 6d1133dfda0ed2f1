from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from taskflow import health, views
from taskflow.metrics import metrics_view

api_patterns = [
    path("auth/", include("accounts.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("tasks.api_urls")),
    path("", include("calendars.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from a URL: no inline script, so the
    # Content-Security-Policy (taskflow.security) needs no 'unsafe-inline' for scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("accounts.browsable_api_urls")),
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    # django-allauth: reset, email verification and change, two factors, passkeys. Our
    # login/register/logout above keep their URLs; allauth's signup is closed.
    path("accounts/", include("allauth.urls")),
    path("", include("notifications.urls")),
    path("", include("tasks.urls")),
    path("", include("projects.urls")),
    path("", include("calendars.urls")),
]

# JSON {"detail", "code"} under /api/, the HTML templates elsewhere (taskflow/errors.py).
handler400 = "taskflow.errors.handler400"
handler403 = "taskflow.errors.handler403"
handler404 = "taskflow.errors.handler404"
handler500 = "taskflow.errors.handler500"
