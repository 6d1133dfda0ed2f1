"""Admin for operators: projects with their members inline; invitations read-only.
Activity (tasks.admin) is read-only too: it is written by the write path alone."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from projects.models import Invitation, Membership, Project


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "project"
    extra = 0
    fields = ("user", "role", "invited_by", "created_at")
    readonly_fields = ("invited_by", "created_at")
    autocomplete_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "created_by", "archived", "is_inbox", "created_at")
    list_filter = ("archived",)
    search_fields = ("name",)
    readonly_fields = ("id", "created_by", "inbox_owner", "created_at", "version")
    fields = (
        "id",
        "name",
        "description",
        "archived",
        "created_by",
        "inbox_owner",
        "created_at",
        "version",
    )
    inlines = [MembershipInline]
    ordering = ("-created_at",)
    list_per_page = 50

    @admin.display(boolean=True)
    def is_inbox(self, obj: Project) -> bool:
        return obj.is_inbox


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "project", "role", "status", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False
