"""API: the caller's secret iCal feed URL, and rotating it (SPEC §9)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendars import api_docs, services
from calendars.views import feed_url
from taskflow.schema import NOT_SIGNED_IN


class FeedUrlSerializer(serializers.Serializer):
    url = serializers.URLField(
        read_only=True,
        help_text="The secret iCal URL (all visible tasks with a due date); add "
        "`?project=<id>` for one project. Anyone with the URL can read the feed.",
    )


@api_docs.FEED
class CalendarFeedView(APIView):
    @extend_schema(
        operation_id="calendar_feed_retrieve",
        responses={200: FeedUrlSerializer, 401: NOT_SIGNED_IN},
    )
    def get(self, request: Request) -> Response:
        feed = services.feed_for(user=request.user)
        return Response({"url": feed_url(request, feed)})


@api_docs.FEED_ROTATE
class CalendarFeedRotateView(APIView):
    @extend_schema(
        operation_id="calendar_feed_rotate",
        request=None,
        responses={200: FeedUrlSerializer, 401: NOT_SIGNED_IN},
    )
    def post(self, request: Request) -> Response:
        feed = services.feed_rotate(user=request.user)
        return Response({"url": feed_url(request, feed)})
