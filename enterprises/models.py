"""Companies, departments and the people who use the system."""

import contextlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets import visibility  # a leaf module: it imports no models

from .validators import normalize_credit_code, normalize_mobile, validate_credit_code, validate_mobile


class District(models.Model):
    """An administrative area of the city (城区, 泽州县, 高平市, 开发区…)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return self.name


class Industry(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self):
        return self.name


class Department(models.Model):
    """A government department that handles tickets (承办部门)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Companies whose case file `user` may open: the one rule, in tickets.visibility."""
        return visibility.visible_enterprises(user, self)


class Enterprise(models.Model):
    class Size(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, with its check digit."),
    )
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, verbose_name=_("industry"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name=_("district"))
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, default=Size.SMALL)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    liaisons = models.ManyToManyField(
        "enterprises.User",
        blank=True,
        related_name="liaison_enterprises",
        limit_choices_to={"role": "liaison"},
        verbose_name=_("liaison officials"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.credit_code:
            self.credit_code = normalize_credit_code(self.credit_code)


class PeopleManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is an administrator: the role the check constraints accept without a company.
        extra_fields.setdefault("role", "admin")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person. Company staff belong to a company, department staff to a department; the
    other roles act across the whole city."""

    class Role(models.TextChoices):
        COMPANY = "company", _("Company")
        LIAISON = "liaison", _("Liaison official")
        DEPARTMENT = "department", _("Department staff")
        DISPATCHER = "dispatcher", _("Dispatch office")
        SUPERVISOR = "supervisor", _("Supervision office")
        LEADER = "leader", _("Leadership")
        ADMIN = "admin", _("Administrator")
        # 回访员: call-centre staff who record follow-up calls (DESIGN.md §9).
        CALLBACK = "callback", _("Follow-up caller")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.COMPANY)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Where the external channels reach this person (tickets.notifications.channels). The mobile
    # number is stored in E.164, "+8613812345678" (enterprises.validators.normalize_mobile).
    mobile = models.CharField(
        _("mobile number"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        validators=[validate_mobile],
        help_text=_("For text messages, e.g. 138 1234 5678."),
    )
    wecom_userid = models.CharField(
        _("WeCom user id"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text=_("The account (UserID) in the city's 企业微信 address book."),
    )
    dingtalk_userid = models.CharField(
        _("DingTalk user id"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text=_("The userid in the city's 钉钉 organisation."),
    )
    # Database defaults too: the migration tests write users with the models of earlier states.
    # The channels switched off per kind of notification: {kind: [channel, …]}; every other channel
    # that is on and has an address is used (tickets.notifications.preferences).
    channel_preferences = models.JSONField(
        _("notification channels"), default=dict, db_default=models.Value({}, output_field=models.JSONField()), blank=True
    )
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("company"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("department"),
    )

    objects = PeopleManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # The database holds the same rule as clean(), both ways: whoever saves without
        # full_clean (a script, the demo, a factory) cannot store a mismatched user.
        constraints = [
            models.CheckConstraint(
                name="company_user_has_enterprise",
                condition=Q(role="company", enterprise__isnull=False) | (~Q(role="company") & Q(enterprise__isnull=True)),
            ),
            models.CheckConstraint(
                name="department_user_has_department",
                condition=Q(role="department", department__isnull=False) | (~Q(role="department") & Q(department__isnull=True)),
            ),
        ]
        indexes = [
            # Who is told of a ticket by role (tickets.notifications.recipients: the dispatchers of a
            # new submission, the supervisors of a red card): role IN (…) AND is_active. Without it
            # every submission scanned every account (14 000 with 1M tickets: 3 ms; bench/README.md).
            models.Index(fields=["role"], name="user_active_role", condition=Q(is_active=True)),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if isinstance(self.mobile, str):  # not a new account's database default
            with contextlib.suppress(ValidationError):  # an invalid one is reported by its field's validator
                self.mobile = normalize_mobile(self.mobile)
        for name in ("wecom_userid", "dingtalk_userid"):
            if isinstance(value := getattr(self, name), str):
                setattr(self, name, value.strip())
        if self.role == self.Role.COMPANY and not self.enterprise_id:
            raise ValidationError({"enterprise": _("A company user must belong to a company.")})
        if self.role == self.Role.DEPARTMENT and not self.department_id:
            raise ValidationError({"department": _("Department staff must belong to a department.")})
        if self.role != self.Role.COMPANY and self.enterprise_id:
            raise ValidationError({"enterprise": _("Only company users belong to a company.")})
        if self.role != self.Role.DEPARTMENT and self.department_id:
            raise ValidationError({"department": _("Only department staff belong to a department.")})
        if self.role != self.Role.LIAISON and self.pk and self.liaison_enterprises.exists():
            # Otherwise the links stay, and would silently give the access back with the role.
            raise ValidationError({"role": _("Take this person off the companies they look after before changing the role.")})

    @property
    def is_company(self):
        return self.role == self.Role.COMPANY

    @property
    def is_liaison(self):
        return self.role == self.Role.LIAISON

    @property
    def is_department(self):
        return self.role == self.Role.DEPARTMENT

    @property
    def is_dispatcher(self):
        return self.role in (self.Role.DISPATCHER, self.Role.ADMIN)

    @property
    def is_supervisor(self):
        return self.role in (self.Role.SUPERVISOR, self.Role.ADMIN)

    @property
    def is_leader(self):
        return self.role == self.Role.LEADER

    @property
    def is_callback(self):
        return self.role == self.Role.CALLBACK
