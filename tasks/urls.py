from django.urls import path

from tasks import board_views, views

app_name = "tasks"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tasks/", views.task_list, name="list"),
    path("tasks/new/", views.task_create, name="create"),
    path("tasks/bulk/", views.task_bulk, name="bulk"),
    path("tasks/import/", views.task_import, name="import"),
    path("markdown/preview/", views.markdown_preview, name="markdown-preview"),
    path("tasks/quick/", views.task_quick_add, name="quick-add"),
    path("tasks/<str:task_id>/", views.task_detail, name="detail"),
    path("tasks/<str:task_id>/edit/", views.task_edit, name="edit"),
    path("tasks/<str:task_id>/delete/", views.task_delete, name="delete"),
    path("tasks/<str:task_id>/status/", views.task_set_status, name="set-status"),
    path("projects/<str:project_id>/board/", board_views.board_page, name="board"),
    path(
        "projects/<str:project_id>/board/move/<str:task_id>/",
        board_views.board_move,
        name="board-move",
    ),
]
