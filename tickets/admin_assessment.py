"""Admin of the monthly assessment (考核): the groups, the scheme versions with their departments'
groups, and the frozen months and rows, read-only. A version a month was frozen with is read-only
too: a change is "Save as new" with a later valid_from (a new version)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tickets.admin_base import ReadOnlyAdmin
from tickets.models import AssessmentGroup, AssessmentMonth, AssessmentScheme, MonthlyAssessment, SchemeMembership
from tickets.models.assessment import DEDUCTED_COUNTS, WEIGHTED_RATES


@admin.register(AssessmentGroup)
class AssessmentGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]


class SchemeMembershipInline(admin.TabularInline):
    model = SchemeMembership
    fields = ["department", "group"]
    extra = 3


def _used(scheme):
    return scheme is not None and MonthlyAssessment.objects.filter(scheme=scheme).exists()


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    list_display = ["valid_from", *WEIGHTED_RATES.values(), "red_list_size", "honour_list_size", "created_at"]
    inlines = [SchemeMembershipInline]
    save_as = True
    fieldsets = [
        (None, {"fields": ["valid_from"]}),
        (_("Weights (percent, adding up to 100)"), {"fields": list(WEIGHTED_RATES.values())}),
        (_("Deductions (points)"), {"fields": list(DEDUCTED_COUNTS.values())}),
        (_("Lists"), {"fields": ["red_list_size", "honour_list_size"]}),
    ]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _used(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _used(obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AssessmentMonth)
class AssessmentMonthAdmin(ReadOnlyAdmin):
    list_display = ["month", "edition", "scheme", "frozen_at", "frozen_by"]


@admin.register(MonthlyAssessment)
class MonthlyAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["month", "edition", "kind", "label", "group", "score", "rank", "frozen_at"]
    list_filter = ["month", "edition", "kind", "group"]
