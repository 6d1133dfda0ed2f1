"""API: the caller's secret iCal feed URL, and rotating it (SPEC §9)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendars import services
from calendars.views import feed_url

UNAUTHENTICATED = OpenApiResponse(description="Not authenticated, or the token was rejected")


class FeedUrlSerializer(serializers.Serializer):
    url = serializers.URLField(
        read_only=True,
        help_text="The secret iCal URL (all visible tasks with a due date); add "
        "`?project=<id>` for one project. Anyone with the URL can read the feed.",
    )


class CalendarFeedView(APIView):
    @extend_schema(
        operation_id="calendar_feed_retrieve",
        description="The caller's secret iCal feed URL, created on the first call.",
        responses={200: FeedUrlSerializer, 401: UNAUTHENTICATED},
        tags=["calendar"],
    )
    def get(self, request: Request) -> Response:
        feed = services.feed_for(user=request.user)
        return Response({"url": feed_url(request, feed)})


class CalendarFeedRotateView(APIView):
    @extend_schema(
        operation_id="calendar_feed_rotate",
        description="A new secret feed URL; the old one is a 404 from now on.",
        request=None,
        responses={200: FeedUrlSerializer, 401: UNAUTHENTICATED},
        tags=["calendar"],
    )
    def post(self, request: Request) -> Response:
        feed = services.feed_rotate(user=request.user)
        return Response({"url": feed_url(request, feed)})
