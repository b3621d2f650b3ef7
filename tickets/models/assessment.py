"""The monthly assessment (考核, DESIGN.md §10): a versioned scheme (groups, weights, deductions,
list sizes) and the frozen months (``AssessmentMonth``, the claim of a month; ``MonthlyAssessment``,
its figures, scores and ranks, one row per month × edition × kind × key).

A scheme version is never edited once a month was frozen with it: a change is a new version
``valid_from`` the first day of a month, and a month is scored with the latest version whose
``valid_from`` is on or before the month's first day (tickets.selectors.assessment.scheme_in_force).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The report's rate (tickets.reports.RATES) each weight applies to: {rate key: field name}.
WEIGHTED_RATES = {
    "response_rate": "weight_response",
    "contact_rate": "weight_contact",
    "on_time_rate": "weight_on_time",
    "solved_rate": "weight_solved",
    "satisfaction_rate": "weight_satisfaction",
    "co_feedback_rate": "weight_co_feedback",
}
# The report's count (tickets.reports.COUNTS) each deduction is charged per: {count key: field name}.
DEDUCTED_COUNTS = {
    "overruled_returns": "deduction_overruled_return",
    "reopened": "deduction_reopened",
    "yellow": "deduction_yellow",
    "red": "deduction_red",
}


def _weight(name):
    return models.PositiveSmallIntegerField(name, default=0)


def _deduction(name):
    return models.DecimalField(name, max_digits=5, decimal_places=2, default=Decimal(0))


class AssessmentGroup(models.Model):
    """A group departments are ranked within (市直部门, 县区, 公用事业单位…)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("assessment group")
        verbose_name_plural = _("assessment groups")

    def __str__(self):
        return self.name


class AssessmentScheme(models.Model):
    """One version of the scheme, in force from `valid_from` (a first of month) until the next."""

    valid_from = models.DateField(_("valid from"), unique=True, help_text=_("The first day of the first month scored with this version."))
    weight_response = _weight(_("weight of the response rate"))
    weight_contact = _weight(_("weight of the first-contact rate"))
    weight_on_time = _weight(_("weight of the on-time rate"))
    weight_solved = _weight(_("weight of the solved rate"))
    weight_satisfaction = _weight(_("weight of the satisfaction rate"))
    weight_co_feedback = _weight(_("weight of the co-feedback on-time rate"))
    deduction_overruled_return = _deduction(_("points off per overruled return"))
    deduction_reopened = _deduction(_("points off per reopened ticket"))
    deduction_yellow = _deduction(_("points off per yellow card"))
    deduction_red = _deduction(_("points off per red card"))
    red_list_size = models.PositiveSmallIntegerField(_("size of the red list"), default=3)
    honour_list_size = models.PositiveSmallIntegerField(_("size of the honour list"), default=3)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("assessment scheme version")
        verbose_name_plural = _("assessment scheme versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_response__gte=0,
                    weight_contact__gte=0,
                    weight_on_time__gte=0,
                    weight_solved__gte=0,
                    weight_satisfaction__gte=0,
                    weight_co_feedback__gte=0,
                )
                & Q(
                    weight_response=100
                    - F("weight_contact")
                    - F("weight_on_time")
                    - F("weight_solved")
                    - F("weight_satisfaction")
                    - F("weight_co_feedback")
                ),
                name="assessment_weights_sum_to_100",
            ),
            models.CheckConstraint(
                condition=Q(deduction_overruled_return__gte=0, deduction_reopened__gte=0, deduction_yellow__gte=0, deduction_red__gte=0),
                name="assessment_deductions_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.valid_from:%Y-%m}"

    def weights(self) -> dict[str, int]:
        return {rate: getattr(self, field) for rate, field in WEIGHTED_RATES.items()}

    def deductions(self) -> dict[str, Decimal]:
        return {count: getattr(self, field) for count, field in DEDUCTED_COUNTS.items()}

    def problems(self) -> list[str]:
        """What is wrong with this version's own fields (the memberships are checked apart):
        valid_from not a first of month, negative weights or weights not adding up to 100,
        negative deductions. Empty when nothing is."""
        problems = []
        if self.valid_from is not None and self.valid_from.day != 1:
            problems.append(gettext("A scheme version starts on the first day of a month, not on %(date)s.") % {"date": self.valid_from})
        weights = [getattr(self, field) or 0 for field in WEIGHTED_RATES.values()]
        if any(weight < 0 for weight in weights):
            problems.append(gettext("A weight cannot be negative."))
        elif sum(weights) != 100:
            problems.append(gettext("The weights add up to %(total)s; they must add up to 100.") % {"total": sum(weights)})
        if any((getattr(self, field) or 0) < 0 for field in DEDUCTED_COUNTS.values()):
            problems.append(gettext("A deduction cannot be negative."))
        return problems

    def clean(self):
        problems = self.problems()
        if problems:
            raise ValidationError(problems)


class SchemeMembership(models.Model):
    """A department's group in one scheme version: one group per department and version."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("scheme version"))
    department = models.ForeignKey("enterprises.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    group = models.ForeignKey(AssessmentGroup, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("group"))

    class Meta:
        ordering = ["group__sort_order", "department__sort_order", "department__name"]
        verbose_name = _("department in a group")
        verbose_name_plural = _("departments in groups")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "department"], name="one_assessment_group_per_department_and_version"),
        ]

    def __str__(self):
        return f"{self.scheme}: {self.department_id} → {self.group}"


class AssessmentMonth(models.Model):
    """The claim of a frozen month: inserted once (unique month) by the run that freezes it;
    `edition` is the latest edition (a correction adds one)."""

    month = models.DateField(_("month"), unique=True)
    edition = models.PositiveSmallIntegerField(_("edition"), default=1)
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="+", verbose_name=_("scheme version"))
    frozen_at = models.DateTimeField(_("frozen at"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("frozen by")
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("frozen month")
        verbose_name_plural = _("frozen months")

    def __str__(self):
        return f"{self.month:%Y-%m} #{self.edition}"


class MonthlyAssessment(models.Model):
    """A month's frozen figures for one key of one kind, in one edition. `figures` is the report's
    dict as JSON: counts as integers, rates as exact "numerator/denominator" strings (None
    without a denominator), the handling time as a decimal string, dates as ISO strings."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DEPARTMENT = "department", _("Department")
        CATEGORY = "category", _("Category")
        DISTRICT = "district", _("District")
        INDUSTRY = "industry", _("Industry")

    month = models.DateField(_("month"))
    edition = models.PositiveSmallIntegerField(_("edition"), default=1)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The pk of the department / category / district / industry, "" for the city, "none" for the
    # tickets never assigned (department) or without a district / industry.
    key = models.CharField(_("key"), max_length=20, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    figures = models.JSONField(_("figures"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank in group"), null=True, blank=True)
    group = models.ForeignKey(AssessmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("group"))
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="+", verbose_name=_("scheme version"))
    # A department row's red-carded tickets of the month (the `red` count's tickets, at the moment
    # of freezing): their references, for the bulletin's red list.
    red_tickets = models.JSONField(_("red-carded tickets"), default=list, blank=True)
    reason = models.TextField(_("reason for the correction"), blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("frozen by")
    )

    class Meta:
        ordering = ["month", "edition", "kind", "id"]
        verbose_name = _("monthly assessment")
        verbose_name_plural = _("monthly assessments")
        constraints = [
            models.UniqueConstraint(fields=["month", "edition", "kind", "key"], name="one_monthly_assessment_per_month_edition_kind_key"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} #{self.edition} {self.kind} {self.label or self.key}"
