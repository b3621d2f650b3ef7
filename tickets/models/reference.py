"""Reference data: categories with their service levels, SLA overrides, the reference counter."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Category(models.Model):
    """A kind of problem (融资信贷, 用工招聘…), with the department that usually handles it and
    its default service levels in working days."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    default_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_categories",
        verbose_name=_("default department"),
    )
    response_days = models.PositiveSmallIntegerField(
        _("response time (working days)"), default=1, help_text=_("The department signs within this many working days.")
    )
    resolution_days = models.PositiveSmallIntegerField(
        _("resolution time (working days)"), default=10, help_text=_("The department resolves within this many working days.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def service_levels(self, priority):
        """(response_days, resolution_days) for a ticket of this category and priority."""
        policy = next((p for p in self.sla_policies.all() if p.priority == priority), None)
        if policy:
            return policy.response_days, policy.resolution_days
        return self.response_days, self.resolution_days


class SLAPolicy(models.Model):
    """Overrides a category's service levels for one priority (e.g. urgent 融资信贷: 3 days)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_days = models.PositiveSmallIntegerField(_("response time (working days)"))
    resolution_days = models.PositiveSmallIntegerField(_("resolution time (working days)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [models.UniqueConstraint(fields=["category", "priority"], name="one_sla_per_category_priority")]

    def __str__(self):
        return f"{self.category} / {self.get_priority_display()}"


class ReferenceCounter(models.Model):
    """The last reference number issued in a year; incremented under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)
