"""The real URLs plus views that fail on purpose (error reporting tests)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from taskflow.urls import urlpatterns as real_urlpatterns


class DeliberateError(RuntimeError):
    pass


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_boom(request: Request) -> HttpResponse:
    # Reads the body as a real API view would, so Sentry sees parsed request data.
    _ = request.data
    raise DeliberateError("boom while handling the request")


def page_boom(request: HttpRequest) -> HttpResponse:
    raise DeliberateError("boom on a page")


urlpatterns = [
    path("test-boom/api/", api_boom),
    path("test-boom/page/", page_boom),
    *real_urlpatterns,
]
