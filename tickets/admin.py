"""Admin for reference data. Tickets are shown read-only: their state changes only through the
workflow (services), never by hand, and events are append-only."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator
from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets import admin_assessment, admin_visits, services, workdays  # noqa: F401  (they register the assessment and visit admins)
from tickets.admin_base import ReadOnlyAdmin, ReadOnlyInline
from tickets.models import (
    AccessLog,
    ApiToken,
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


class EventColumns:
    """A timeline row's columns as the pages show them: the time in the site's zone (Asia/Shanghai)
    as "2026-03-02 10:00", the human labels of the states it changed from and to."""

    @admin.display(description=TicketEvent._meta.get_field("created_at").verbose_name, ordering="created_at")
    def when(self, event):
        return dateformat.format(timezone.localtime(event.created_at), "Y-m-d H:i")

    @admin.display(description=TicketEvent._meta.get_field("from_state").verbose_name)
    def from_label(self, event):
        return event.from_state_label

    @admin.display(description=TicketEvent._meta.get_field("to_state").verbose_name)
    def to_label(self, event):
        return event.to_state_label


class EventInline(EventColumns, ReadOnlyInline):
    model = TicketEvent
    fields = ["when", "kind", "actor", "from_label", "to_label", "note"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "enterprise", "category", "status", "supervision_level", "department", "due_date", "submitted_at"]
    list_filter = ["status", "supervision_level", "category", "department"]
    search_fields = ["reference", "title", "enterprise__name"]
    list_select_related = ["enterprise", "category", "department"]
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(EventColumns, ReadOnlyAdmin):
    list_display = ["ticket", "kind", "actor", "from_label", "to_label", "when"]
    fields = readonly_fields = ["ticket", "when", "kind", "actor", "from_label", "to_label", "note", "data"]
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


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ["channel", "status", "attempts", "next_attempt_at", "sent_at", "provider_message_id", "last_error"]


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

    list_display = [
        "created_at", "notification", "recipient", "channel", "status", "attempts", "next_attempt_at", "sent_at",
        "provider_message_id", "error",
    ]  # fmt: skip
    list_filter = ["channel", "status"]
    search_fields = ["notification__subject", "notification__recipient__username", "provider_message_id"]
    list_select_related = ["notification__recipient"]
    actions = ["retry_now"]

    def changelist_view(self, request, extra_context=None):
        """Above the list, each channel's state: off (not configured), on, or failing with its last
        error, the fake providers named as such, and its deliveries per status."""
        from tickets.notifications.state import channel_states

        return super().changelist_view(request, {**(extra_context or {}), "channel_states": channel_states()})

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


class ApiTokenAddForm(forms.ModelForm):
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1)

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DAYS
        self.fields["days"].max_value = settings.API_TOKEN_MAX_DAYS
        self.fields["days"].validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        self.fields["days"].help_text = _("At most %(max)d.") % {"max": settings.API_TOKEN_MAX_DAYS}


class TokenStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("valid", _("valid")), ("expired", _("expired"))]

    def queryset(self, request, queryset):
        if self.value() == "valid":
            return queryset.filter(expiry__gt=timezone.now())
        if self.value() == "expired":
            return queryset.filter(expiry__lte=timezone.now())
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issue (the key is shown once, on the page after saving), list, rename and revoke (delete)
    API tokens. The key itself is never stored: only its hash and its first characters."""

    list_display = ["name", "user", "key_start", "created", "expiry", "state", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "token_key"]
    list_filter = [TokenStateFilter]
    autocomplete_fields = ["user"]
    readonly_fields = ["user", "key_start", "created", "expiry", "state", "last_used_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "name", "days"] if obj is None else ["name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        data = form.cleaned_data
        token, key = services.api_token_issue(user=data["user"], name=data["name"], days=data["days"])
        obj.pk, obj.token_key, obj.created, obj.expiry = token.pk, token.token_key, token.created, token.expiry
        obj._state.adding = False
        self.message_user(
            request,
            _("The token's key, shown only now (copy it into the integration; it cannot be read again): %(key)s") % {"key": key},
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.api_token_revoke(token=obj)

    @admin.display(description=_("key starts with"))
    def key_start(self, obj):
        return f"{obj.token_key[:8]}…"

    @admin.display(description=_("state"))
    def state(self, obj):
        return _("expired") if obj.is_expired else _("valid")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Read by administrators only (superusers); nobody edits or deletes a row (the database refuses)."""

    list_display = ["at", "user", "kind", "ticket_reference", "enterprise", "detail", "address", "via_api"]
    list_filter = ["kind", "via_api", ("at", admin.DateFieldListFilter)]
    list_select_related = ["user", "ticket", "enterprise"]
    search_fields = ["user__username", "user__display_name", "ticket__reference", "enterprise__name"]
    search_help_text = _("A user name, a ticket reference, a company name, or a day (2026-11-05) or month (2026-11).")
    show_full_result_count = False
    list_per_page = 50

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        for pattern, lookup in (("%Y-%m-%d", "day"), ("%Y-%m", "month")):
            try:
                day = datetime.datetime.strptime(term, pattern).date()
            except ValueError:
                continue
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            end = timezone.make_aware(
                datetime.datetime.combine(day + datetime.timedelta(days=1) if lookup == "day" else _next_month(day), datetime.time())
            )
            return queryset.filter(at__gte=start, at__lt=end), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("ticket"), ordering="ticket__reference")
    def ticket_reference(self, obj):
        return obj.ticket.reference if obj.ticket_id else ""


def _next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
