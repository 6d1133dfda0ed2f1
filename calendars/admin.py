from django.contrib import admin

from calendars.models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    # The secret is never shown (it is not stored); operators see who has a feed.
    list_display = ("user", "created_at", "rotated_at")
    fields = ("user", "created_at", "rotated_at")
    readonly_fields = fields
    search_fields = ("user__email",)

    def has_add_permission(self, request: object) -> bool:
        return False
