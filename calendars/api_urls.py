from django.urls import path

from calendars import api

urlpatterns = [
    path("calendar/feed/", api.CalendarFeedView.as_view(), name="calendar-feed"),
    path(
        "calendar/feed/rotate/", api.CalendarFeedRotateView.as_view(), name="calendar-feed-rotate"
    ),
]
