"""Admin of liaison work (包联): the city's visit quota (a new row with a later valid_from changes
it from that date; older rows stay as the record of their time), and the visits, read-only (a
visit is the liaison's record; the tickets raised on it are changed through their workflow)."""

from django.contrib import admin

from tickets.admin_base import ReadOnlyAdmin, ReadOnlyInline
from tickets.models import Visit, VisitAttachment, VisitQuota


@admin.register(VisitQuota)
class VisitQuotaAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "visits_per_quarter", "note"]


class VisitAttachmentInline(ReadOnlyInline):
    model = VisitAttachment
    fields = ["original_name", "size", "content_type", "created_at"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["visited_on", "enterprise", "liaison", "created_at"]
    list_filter = ["visited_on"]
    search_fields = ["enterprise__name", "liaison__username", "liaison__display_name"]
    list_select_related = ["enterprise", "liaison"]
    readonly_fields = ["enterprise", "liaison", "visited_on", "people_met", "discussion", "created_at"]
    inlines = [VisitAttachmentInline]
