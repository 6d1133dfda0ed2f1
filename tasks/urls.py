from django.urls import path

from tasks import board_views, checklist_views, saved_filter_views, task_page, trash_views, views

app_name = "tasks"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tasks/", views.task_list, name="list"),
    path("tasks/new/", views.task_create, name="create"),
    path("tasks/mine/", views.assigned_to_me, name="mine"),
    path("tasks/bulk/", views.task_bulk, name="bulk"),
    path("tasks/import/", views.task_import, name="import"),
    path("tasks/export/", views.task_export, name="export"),
    path("tasks/filters/", saved_filter_views.saved_filter_list, name="saved-filters"),
    path(
        "tasks/filters/<str:filter_id>/",
        saved_filter_views.saved_filter_edit,
        name="saved-filter-edit",
    ),
    path(
        "tasks/filters/<str:filter_id>/delete/",
        saved_filter_views.saved_filter_delete,
        name="saved-filter-delete",
    ),
    path("markdown/preview/", views.markdown_preview, name="markdown-preview"),
    path("tasks/quick/", views.task_quick_add, name="quick-add"),
    path("trash/", trash_views.trash_list, name="trash"),
    path("trash/restore/", trash_views.trash_restore, name="trash-restore"),
    path("trash/empty/", trash_views.trash_empty, name="trash-empty"),
    path("trash/<str:task_id>/delete/", trash_views.trash_delete, name="trash-delete"),
    path("tasks/<str:task_id>/", task_page.task_detail, name="detail"),
    path("tasks/<str:task_id>/comments/", task_page.comment_create, name="comment-create"),
    path(
        "tasks/<str:task_id>/comments/<str:comment_id>/edit/",
        task_page.comment_edit,
        name="comment-edit",
    ),
    path(
        "tasks/<str:task_id>/comments/<str:comment_id>/delete/",
        task_page.comment_delete,
        name="comment-delete",
    ),
    path("tasks/<str:task_id>/checklist/", checklist_views.checklist_add, name="checklist-add"),
    path(
        "tasks/<str:task_id>/checklist/<str:item_id>/tick/",
        checklist_views.checklist_tick,
        name="checklist-tick",
    ),
    path(
        "tasks/<str:task_id>/checklist/<str:item_id>/move/",
        checklist_views.checklist_move,
        name="checklist-move",
    ),
    path(
        "tasks/<str:task_id>/checklist/<str:item_id>/delete/",
        checklist_views.checklist_delete,
        name="checklist-delete",
    ),
    path("tasks/<str:task_id>/edit/", views.task_edit, name="edit"),
    path("tasks/<str:task_id>/delete/", views.task_delete, name="delete"),
    path("tasks/<str:task_id>/status/", views.task_set_status, name="set-status"),
    path("board/", board_views.my_board, name="my-board"),
    path("projects/<str:project_id>/board/", board_views.board_page, name="board"),
    path(
        "projects/<str:project_id>/board/move/<str:task_id>/",
        board_views.board_move,
        name="board-move",
    ),
]
