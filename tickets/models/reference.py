"""Reference data: categories, their deadline profiles (DESIGN.md §8), the reference counter."""

from django.core.exceptions import ValidationError
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
    """A kind of problem (融资信贷, 用工招聘…), with the department that usually handles it, the
    departments that usually co-handle it, and its deadline profiles."""

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
    co_departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="co_categories",
        verbose_name=_("usual co-handling departments"),
        help_text=_("Preselected as co-handlers when dispatch assigns a ticket of this category."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def deadlines(self, priority):
        """The deadline profile for a ticket of this category and priority: the category's
        profile for that priority, else its own for every priority, else the city's default
        (DeadlineProfile.city_default()). Reads the prefetched `deadline_profiles` if any, and
        the city's default from `_city_default` where a list has read it once for all its rows."""
        profiles = list(self.deadline_profiles.all())
        for wanted in (priority, ""):
            for profile in profiles:
                if profile.priority == wanted:
                    return profile
        return getattr(self, "_city_default", None) or DeadlineProfile.city_default()


# The built-in default when an administrator has set none: Jiaozuo's 13710 (sign 1, contact 1,
# co-feedback 3, resolve 7, complex 22 working days ≈ one month).
DEFAULT_DEADLINES = {"response_days": 1, "contact_days": 1, "co_feedback_days": 3, "resolution_days": 7, "complex_resolution_days": 22}


class DeadlineProfile(models.Model):
    """The staged deadlines of an assignment, in working days from the day it is made (DESIGN.md
    §8): sign, first contact with the company, co-handlers' feedback, resolution, and resolution
    of a ticket dispatch marked complex. One per category and priority (priority blank: every
    priority of the category); the one without a category is the city's default."""

    name = models.CharField(_("name"), max_length=50, help_text=_("For example 13710."))
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_profiles",
        verbose_name=_("category"),
        help_text=_("Empty: the city's default profile, for categories without one."),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True, help_text=_("Empty: every priority."))
    response_days = models.PositiveSmallIntegerField(_("sign within (working days)"))
    contact_days = models.PositiveSmallIntegerField(_("first contact within (working days)"))
    co_feedback_days = models.PositiveSmallIntegerField(_("co-handlers' feedback within (working days)"))
    resolution_days = models.PositiveSmallIntegerField(_("resolve within (working days)"))
    complex_resolution_days = models.PositiveSmallIntegerField(_("complex tickets: resolve within (working days)"))

    class Meta:
        ordering = ["category__sort_order", "category__name", "priority"]
        verbose_name = _("deadline profile")
        verbose_name_plural = _("deadline profiles")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="one_profile_per_category_priority"),
            models.UniqueConstraint(
                fields=["priority"], condition=models.Q(category__isnull=True), name="one_city_default_profile_per_priority"
            ),
            models.CheckConstraint(
                condition=models.Q(co_feedback_days__lte=models.F("resolution_days")), name="profile_co_feedback_within_resolution"
            ),
            models.CheckConstraint(
                condition=models.Q(response_days__lte=models.F("resolution_days"), contact_days__lte=models.F("resolution_days")),
                name="profile_sign_and_contact_within_resolution",
            ),
            models.CheckConstraint(
                condition=models.Q(complex_resolution_days__gte=models.F("resolution_days")),
                name="profile_complex_not_shorter",
            ),
            models.CheckConstraint(condition=models.Q(resolution_days__gte=1), name="profile_resolution_at_least_one_day"),
        ]

    def __str__(self):
        scope = str(self.category) if self.category_id else _("City default")
        if self.priority:
            scope = f"{scope} / {self.get_priority_display()}"
        return f"{self.name} ({scope})"

    def clean(self):
        errors = {}
        if None in (self.response_days, self.contact_days, self.co_feedback_days, self.resolution_days, self.complex_resolution_days):
            return  # the missing field has its own message
        if self.resolution_days < 1:
            errors["resolution_days"] = _("A ticket needs at least one working day to be resolved.")
        if self.co_feedback_days > self.resolution_days:
            errors["co_feedback_days"] = _("Co-handlers must give their feedback before the lead department's resolution is due.")
        if self.response_days > self.resolution_days:
            errors["response_days"] = _("Signing cannot be due after the resolution.")
        if self.contact_days > self.resolution_days:
            errors["contact_days"] = _("The first contact cannot be due after the resolution.")
        if self.complex_resolution_days < self.resolution_days:
            errors["complex_resolution_days"] = _("A complex ticket cannot get less time than an ordinary one.")
        if errors:
            raise ValidationError(errors)

    def resolution_days_for(self, is_complex):
        return self.complex_resolution_days if is_complex else self.resolution_days

    @classmethod
    def city_default(cls):
        """The city's default profile (no category, every priority), or the built-in 13710 (unsaved)."""
        profile = cls.objects.filter(category__isnull=True, priority="").first()
        return profile or cls(name="13710", **DEFAULT_DEADLINES)


class ReferenceCounter(models.Model):
    """The last reference number issued in a year; incremented under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)
