from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from auditlog.render import get_field_verbose_name
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .channel_addresses import ImportRefused, import_addresses
from .models import Department, District, Enterprise, Industry, User


@admin.register(District, Industry)
class OrderedNameAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "industry", "district", "size", "contact_name", "contact_phone"]
    list_filter = ["district", "industry", "size"]
    search_fields = ["name", "credit_code", "contact_name"]
    filter_horizontal = ["liaisons"]
    list_select_related = ["industry", "district"]


class ChannelAddressesForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Header row: username,mobile,wecom_userid,dingtalk_userid (UTF-8 or GB18030).")
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "enterprise", "department", "is_active", "second_factor"]
    list_filter = ["role", "is_active", "department"]
    actions = ["reset_second_factor"]
    search_fields = ["username", "display_name", "email", "enterprise__name"]
    list_select_related = ["enterprise", "department"]
    autocomplete_fields = ["enterprise"]
    # Shown, not edited: the form would save date_joined back without its microseconds, a change
    # the audit trail would record on the first save of every account.
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role in the system"), {"fields": ("role", "display_name", "phone", "enterprise", "department")}),
        (_("Notification channels"), {"fields": ("mobile", "wecom_userid", "dingtalk_userid")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Role in the system"), {"fields": ("role", "display_name", "enterprise", "department")}),
    )

    change_list_template = "admin/enterprises/user/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_channel_addresses)
        return [path("import-channel-addresses/", view, name="enterprises_user_import_channel_addresses"), *super().get_urls()]

    def import_channel_addresses(self, request):
        """Mobile numbers, WeCom and DingTalk user ids by username from a CSV file
        (enterprises.channel_addresses): one bad row and nothing is saved, each error with its line."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ChannelAddressesForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                changed = import_addresses(form.cleaned_data["file"].read())
            except ImportRefused as refused:
                errors = refused.errors
            else:
                message = _("Channel addresses imported: %(count)s people updated.") % {"count": changed}
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:enterprises_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import mobile numbers, WeCom and DingTalk user ids"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/enterprises/user/import_channel_addresses.html", context)

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(enrolled))

    @admin.display(description=_("Second factor"), boolean=True, ordering="has_second_factor")
    def second_factor(self, user):
        return user.has_second_factor

    @admin.action(description=_("Reset second factor (the person sets it up again at the next login)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        reset = [user for user in queryset if two_factor.reset(user=user)]
        self.message_user(
            request,
            ngettext(
                "Second factor reset for %(count)d person: they set it up again at their next login.",
                "Second factor reset for %(count)d people: they set it up again at their next login.",
                len(reset),
            )
            % {"count": len(reset)},
        )


# --- the audit trail of administration (config/audit.py) --------------------------------------


def reads_the_audit_trail(user):
    """Administrators only: a superuser, or an administrator given the permission to view log entries."""
    from tickets import rules

    return user.is_staff and rules.is_administrator(user)


def _shown(field, value):
    if value == "None":
        return "—"
    if isinstance(field, models.BooleanField) and value in ("True", "False"):
        return _("Yes") if value == "True" else _("No")
    return value


def _field(model, name):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field removed since
        return None


class TrackedModelFilter(ResourceTypeFilter):
    """By kind of record, with the records' names (auditlog's own lists the models' internal names)."""

    title = _("kind of record")

    def lookups(self, request, model_admin):
        used = model_admin.get_queryset(request).order_by().values("content_type").distinct()
        models_used = ((kind.pk, kind.model_class()) for kind in ContentType.objects.filter(pk__in=used))
        kinds = [(pk, capfirst(model._meta.verbose_name)) for pk, model in models_used if model]  # not a model removed since
        return sorted(kinds, key=lambda kind: str(kind[1]))


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditTrailAdmin(LogEntryAdmin):
    """Every recorded change, read-only (auditlog's admin): who, when, from where, each field's before
    and after. Only administrators see it."""

    list_display = ["created", "resource_url", "action", "msg_short", "user_url", "remote_addr"]
    list_filter = ["action", TrackedModelFilter]
    readonly_fields = ["created", "resource_url", "action", "user_url", "remote_addr", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "remote_addr", "resource_url"]}),
        (_("what changed"), {"fields": ["action", "msg"]}),
    ]

    def has_module_permission(self, request):
        return reads_the_audit_trail(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return reads_the_audit_trail(request.user) and super().has_view_permission(request, obj)

    @admin.display(description=_("changed at"), ordering="timestamp")
    def created(self, obj):
        return timezone.localtime(obj.timestamp).strftime("%Y-%m-%d %H:%M:%S")  # to the second, in the city's time

    @admin.display(description=_("record"))
    def resource_url(self, obj):
        return super().resource_url(obj)

    @admin.display(description=_("changed by"))
    def user_url(self, obj):
        if obj.actor_id is None:
            return obj.actor_email or _("no one signed in (a command or a scheduled job)")
        return super().user_url(obj)

    @admin.display(description=_("fields changed"))
    def msg_short(self, obj):
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        return ", ".join(str(get_field_verbose_name(obj, name)) for name in obj.changes_dict)

    @admin.display(description=_("what changed"))
    def msg(self, obj):
        """A table of the changed fields: the value before and after (a choice by its label)."""
        model = obj.content_type.model_class()
        shown = obj.changes_display_dict if model else {}  # auditlog's labels need the model
        rows = []
        for name, change in obj.changes_dict.items():
            field = _field(model, name)
            label = get_field_verbose_name(obj, name)
            if isinstance(change, dict) and change.get("type") == "m2m":
                before, after = ("", change["objects"]) if change["operation"] == "add" else (change["objects"], "")
                rows.append((label, "; ".join(before), "; ".join(after)))
            else:
                before, after = shown.get(field.verbose_name if field else name, change)
                rows.append((label, _shown(field, before), _shown(field, after)))
        if not rows:
            return ""
        header = format_html("<tr><th>{}</th><th>{}</th><th>{}</th></tr>", _("field"), _("before"), _("after"))
        return format_html("<table>{}{}</table>", header, format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows))
