"""Admin for the email-based User and the (read-only) revocation records."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.http import HttpRequest

from accounts import services
from accounts.forms import AdminLoginForm
from accounts.models import RevokedToken, User


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "name")
        field_classes: dict = {}

    def clean_username(self) -> None:  # Django's check needs a username field
        return None


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        field_classes: dict = {}


class PasswordChangeForm(AdminPasswordChangeForm):
    """An operator setting a password also ends every token of the user, as the
    user's own password change does."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            services.user_revoke_all_tokens(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    change_password_form = PasswordChangeForm
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "is_superuser")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login", "token_generation")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "bio")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Activity", {"fields": ("date_joined", "last_login", "token_generation")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(RevokedToken)
class RevokedTokenAdmin(admin.ModelAdmin):
    """Visible for investigations; written only by the token code and prune_expired."""

    list_display = ("jti", "kind", "user", "created_at", "expires_at")
    list_filter = ("kind",)
    search_fields = ("jti", "user__email")
    list_select_related = ("user",)
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The admin's login checks the password through the same limited backend; users with a
# second factor are sent to /accounts/login/ (the one page that asks for it).
admin.site.login_form = AdminLoginForm
