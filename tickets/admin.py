"""Admin for reference data. Tickets are shown read-only: their state changes only through the
workflow (services), never by hand, and events are append-only."""

from django.contrib import admin

from .models import Assignment, CalendarDay, CalendarYear, Category, ExtensionRequest, SLAPolicy, Ticket, TicketEvent


class SLAPolicyInline(admin.TabularInline):
    model = SLAPolicy
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "default_department", "response_days", "resolution_days", "is_active", "sort_order"]
    list_filter = ["is_active"]
    inlines = [SLAPolicyInline]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "updated_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "enterprise", "category", "status", "supervision_level", "department", "due_date", "submitted_at"]
    list_filter = ["status", "supervision_level", "category", "department"]
    search_fields = ["reference", "title", "enterprise__name"]
    list_select_related = ["enterprise", "category", "department"]
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "actor", "from_state", "to_state", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "department", "current_due_date", "requested_due_date", "state", "created_at"]
    list_filter = ["state"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "department", "assigned_at", "due_date", "signed_at", "ended_at"]
