from django.urls import path

from projects import column_views, views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/<str:project_id>/", views.project_detail, name="detail"),
    path("projects/<str:project_id>/settings/", views.project_settings, name="settings"),
    path("projects/<str:project_id>/columns/", column_views.column_list, name="columns"),
    path(
        "projects/<str:project_id>/columns/<str:column_id>/edit/",
        column_views.column_edit,
        name="column-edit",
    ),
    path(
        "projects/<str:project_id>/columns/<str:column_id>/move/",
        column_views.column_move,
        name="column-move",
    ),
    path(
        "projects/<str:project_id>/columns/<str:column_id>/delete/",
        column_views.column_delete,
        name="column-delete",
    ),
    path("projects/<str:project_id>/archive/", views.project_archive, name="archive"),
    path("projects/<str:project_id>/delete/", views.project_delete, name="delete"),
    path("projects/<str:project_id>/members/", views.project_members, name="members"),
    path(
        "projects/<str:project_id>/members/<str:user_id>/role/",
        views.member_role,
        name="member-role",
    ),
    path(
        "projects/<str:project_id>/members/<str:user_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path(
        "projects/<str:project_id>/invitations/<str:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/", views.invitation_list, name="invitations"),
    path(
        "invitations/<str:invitation_id>/<str:answer>/",
        views.invitation_answer,
        name="invitation-answer",
    ),
    path("invitations/<str:token>/", views.invitation_link, name="invitation-link"),
]
