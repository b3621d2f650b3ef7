"""Admin for reference data. Tickets are shown read-only: their state changes only through the
workflow (services), never by hand, and events are append-only."""

from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets import workdays
from tickets.models import (
    Assignment,
    CalendarDay,
    CalendarYear,
    CaseFileExport,
    Category,
    ExtensionRequest,
    Notification,
    Reminder,
    SLAPolicy,
    Ticket,
    TicketEvent,
)


class SLAPolicyInline(admin.TabularInline):
    model = SLAPolicy
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "default_department", "response_days", "resolution_days", "is_active", "sort_order"]
    list_filter = ["is_active"]
    list_select_related = ["default_department"]
    inlines = [SLAPolicyInline]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "updated_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Every change recounts what depends on the calendar of the dates it touched."""

    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        dates = [obj.date]
        if change and "date" in form.changed_data:
            dates.append(form.initial["date"])
        super().save_model(request, obj, form, change)
        workdays.calendar_changed(min(dates), max(dates))

    @transaction.atomic
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        workdays.calendar_changed(obj.date, obj.date)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        dates = list(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        if dates:
            workdays.calendar_changed(min(dates), max(dates))


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
    list_select_related = ["ticket", "department"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "department", "assigned_at", "due_date", "signed_at", "ended_at"]
    list_select_related = ["ticket", "department"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Delivery is visible here: failed e-mails show their error and next attempt."""

    list_display = ["created_at", "recipient", "kind", "subject", "email_status", "email_attempts", "email_next_attempt_at", "read_at"]
    list_filter = ["email_status", "kind"]
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["recipient"]
    actions = ["retry_email_now"]

    @admin.action(description=_("Retry the e-mail now"))
    def retry_email_now(self, request, queryset):
        from tickets.notifications.outbox import queue_after_commit

        # A fresh count of attempts: an e-mail that gave up gets the full retries again.
        count = queryset.filter(email_status__in=["failed", "gave_up"]).update(
            email_status="failed", email_attempts=0, email_next_attempt_at=timezone.now()
        )
        queue_after_commit()
        self.message_user(request, _("%(count)s e-mails queued again.") % {"count": count})


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "level", "due_date", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket"]


@admin.register(CaseFileExport)
class CaseFileExportAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "requested_by", "state", "progress", "created_at", "finished_at"]
    list_filter = ["state"]
    list_select_related = ["enterprise", "requested_by"]
