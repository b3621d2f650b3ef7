"""Admin for reference data. Tickets are shown read-only: their state changes only through the
workflow (services), never by hand, and events are append-only."""

from django.contrib import admin
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets import workdays
from tickets.models import (
    Assignment,
    AssignmentReminder,
    CalendarDay,
    CalendarYear,
    CaseFileExport,
    Category,
    DeadlineProfile,
    Delivery,
    ExtensionRequest,
    Notification,
    Priority,
    Reminder,
    ReturnRequest,
    Ticket,
    TicketEvent,
    VerificationCall,
)

_PROFILE_FIELDS = ["response_days", "contact_days", "co_feedback_days", "resolution_days", "complex_resolution_days"]


class DeadlineProfileInline(admin.TabularInline):
    """The category's own profiles: one for every priority (priority empty) and any per priority."""

    model = DeadlineProfile
    fields = ["name", "priority", *_PROFILE_FIELDS]
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "default_department", "deadlines", "is_active", "sort_order"]
    list_filter = ["is_active"]
    list_select_related = ["default_department"]
    filter_horizontal = ["co_departments"]
    inlines = [DeadlineProfileInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deadline_profiles")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        city_default = DeadlineProfile.city_default()  # once for the page, not once per category without a profile
        for category in changelist.result_list:
            category._city_default = city_default
        return changelist

    @admin.display(description=_("deadlines (working days)"))
    def deadlines(self, obj):
        profile = obj.deadlines(Priority.NORMAL)
        return _("sign %(s)s · contact %(c)s · co-feedback %(f)s · resolve %(r)s · complex %(x)s") % {
            "s": profile.response_days, "c": profile.contact_days, "f": profile.co_feedback_days,
            "r": profile.resolution_days, "x": profile.complex_resolution_days,
        }  # fmt: skip


@admin.register(DeadlineProfile)
class DeadlineProfileAdmin(admin.ModelAdmin):
    """Every profile, the city's default (no category) among them."""

    list_display = ["name", "category", "priority", *_PROFILE_FIELDS]
    list_filter = ["priority"]
    list_select_related = ["category"]


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


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "department", "suggested_department", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["ticket__reference"]
    list_select_related = ["ticket", "department", "suggested_department", "decided_by"]


@admin.register(VerificationCall)
class VerificationCallAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "month", "state", "caller", "called_at"]
    list_filter = ["state", "month"]
    search_fields = ["ticket__reference"]
    list_select_related = ["ticket", "caller"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "department", "role", "state", "assigned_at", "due_date", "signed_at", "feedback_at", "ended_at"]
    list_filter = ["role", "state"]
    list_select_related = ["ticket", "department"]


@admin.register(AssignmentReminder)
class AssignmentReminderAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "kind", "due_date", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["assignment__ticket", "assignment__department"]


def _retry_now(modeladmin, request, deliveries):
    """Try the failed and given-up ones of `deliveries` again now (tickets.notifications.sender)."""
    from tickets.notifications.sender import retry_now

    with transaction.atomic():  # sending is queued once this commits
        count = retry_now(deliveries)
    modeladmin.message_user(
        request, ngettext("%(count)s delivery queued again.", "%(count)s deliveries queued again.", count) % {"count": count}
    )


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Delivery is visible here: each channel's status, and for a failed one its error and next attempt."""

    list_display = ["created_at", "recipient", "kind", "subject", "delivery", "read_at"]
    list_filter = ["kind", "deliveries__channel", "deliveries__status"]
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["recipient"]
    inlines = [DeliveryInline]
    actions = ["retry_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries")  # one query for the page's rows

    @admin.display(description=_("delivery"))
    def delivery(self, obj):
        return "; ".join(str(d) + (f" ({d.attempts})" if d.attempts else "") for d in obj.deliveries.all()) or "—"

    @admin.action(description=_("Retry the failed deliveries now"))
    def retry_now(self, request, queryset):
        _retry_now(self, request, Delivery.objects.filter(notification__in=queryset.values("pk")))


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Every notification's delivery over each channel; failed ones show their error."""

    list_display = ["created_at", "notification", "recipient", "channel", "status", "attempts", "next_attempt_at", "sent_at", "error"]
    list_filter = ["channel", "status"]
    search_fields = ["notification__subject", "notification__recipient__username"]
    list_select_related = ["notification__recipient"]
    actions = ["retry_now"]

    @admin.display(description=_("recipient"), ordering="notification__recipient")
    def recipient(self, obj):
        return obj.notification.recipient

    @admin.display(description=_("last error"))
    def error(self, obj):
        return Truncator(obj.last_error).chars(80)

    @admin.action(description=_("Retry the failed deliveries now"))
    def retry_now(self, request, queryset):
        _retry_now(self, request, queryset)


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
