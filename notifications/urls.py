from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="index"),
    path("notifications/read/", views.notification_read, name="read"),
    path("tasks/<str:task_id>/reminders/", views.reminder_add, name="reminder-add"),
    path("reminders/<str:reminder_id>/delete/", views.reminder_delete, name="reminder-delete"),
]
