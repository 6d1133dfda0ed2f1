from django.urls import path

from calendars import views

app_name = "calendars"

urlpatterns = [
    path("calendar/", views.month, name="month"),
    path("calendar/feed/rotate/", views.rotate, name="rotate"),
    path("calendar/feed/<str:secret>.ics", views.feed_ics, name="feed"),
]
