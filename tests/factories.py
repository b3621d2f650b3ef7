"""Test data factories. Credit codes are generated with a correct GB 32100-2015 check digit."""

import itertools

import factory
from stdnum.cn import uscc

from enterprises.demo import DEMO_PASSWORD as PASSWORD  # the tests log in as a newcomer would
from enterprises.models import Department, District, Enterprise, Industry, User
from tickets.models import AssessmentGroup, Category

_serial = itertools.count(1)


def make_credit_code(n=None):
    n = next(_serial) if n is None else n
    body = f"91140500{n:09d}"
    return body + uscc.calc_check_digit(body)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("name",)

    name = factory.Iterator(["城区", "泽州县", "高平市", "阳城县", "陵川县", "沁水县", "开发区"])


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("name",)

    name = factory.Iterator(["装备制造", "煤化工", "新材料", "文旅康养", "现代农业"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试局{n}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"晋城测试企业{n}有限公司")
    credit_code = factory.LazyFunction(make_credit_code)
    industry = factory.SubFactory(IndustryFactory)
    district = factory.SubFactory(DistrictFactory)
    contact_name = "张经理"
    contact_phone = "0356-1234567"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password(PASSWORD)  # hashed before the one INSERT
    role = User.Role.COMPANY
    enterprise = factory.Maybe(factory.LazyAttribute(lambda u: u.role == User.Role.COMPANY), factory.SubFactory(EnterpriseFactory), None)
    department = factory.Maybe(factory.LazyAttribute(lambda u: u.role == User.Role.DEPARTMENT), factory.SubFactory(DepartmentFactory), None)


CATEGORY_DEADLINES = {"response_days": 1, "contact_days": 1, "co_feedback_days": 3, "resolution_days": 5, "complex_resolution_days": 20}


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"测试类别{n}")
    default_department = factory.SubFactory(DepartmentFactory)

    # The category's own deadline profile (every priority), CATEGORY_DEADLINES unless given
    # (response_days=…); profile=False: none (the city's default applies).
    @classmethod
    def _create(cls, model_class, *args, profile=True, **kwargs):
        deadlines = {name: kwargs.pop(name) for name in list(kwargs) if name in CATEGORY_DEADLINES}
        category = super()._create(model_class, *args, **kwargs)
        if profile:
            from tickets.models import DeadlineProfile

            DeadlineProfile.objects.create(category=category, priority="", name=category.name, **{**CATEGORY_DEADLINES, **deadlines})
        return category


def notification_with_email(recipient, *, status="pending", kind="digest", subject="汇总", body="…", **fields):
    """A notification and its e-mail Delivery (what the outbox writes), the delivery due now if
    pending. Returns the Delivery."""
    from django.utils import timezone

    from tickets.models import Delivery, Notification

    note = Notification.objects.create(recipient=recipient, kind=kind, subject=subject, body=body, **fields)
    return Delivery.objects.create(
        notification=note, channel=Delivery.Channel.EMAIL, status=status, next_attempt_at=timezone.now() if status == "pending" else None
    )


def returned_to_dispatch(*, ticket, by, reason, at=None, dispatcher=None, suggested_department=None):
    """A return as it happens since DESIGN.md §9: the department `by` asks (at `at`), and dispatch
    (`dispatcher`, or the first dispatcher there is, or one made for it) upholds at the same
    moment. Returns the ticket as the return left it."""
    from tickets import services

    request = services.return_request_file(ticket=ticket, by=by, reason=reason, suggested_department=suggested_department, at=at)
    if dispatcher is None:
        dispatcher = User.objects.filter(role=User.Role.DISPATCHER, is_active=True).order_by("pk").first()
    if dispatcher is None:
        dispatcher = UserFactory(username="dispatcher-on-duty", role=User.Role.DISPATCHER)
    services.return_request_decide(request=request, by=dispatcher, uphold=True, at=at)
    request.ticket.refresh_from_db()
    return request.ticket


def api_key(user, name="integration", days=None):
    """An API token for `user` (issued as the admin issues one); its key, for `Authorization: Token …`."""
    from tickets.services import api_token_issue

    return api_token_issue(user=user, name=name, days=days)[1]


def authenticator_app(user, *, confirmed=True, recovery_codes=()):
    """An enrolled authenticator app (django-otp TOTP device) for `user`, and recovery codes if
    given. Returns the device; app_code(device) is the code it shows now."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)
    if recovery_codes:
        codes = StaticDevice.objects.create(user=user, name="Recovery codes")
        for code in recovery_codes:
            codes.token_set.create(token=code)
    return device


def app_code(device, *, steps=0):
    """The code `device`'s app shows now (or `steps` time steps from now), as six digits."""
    from django_otp.oath import totp

    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0 - steps * device.step, device.digits, device.drift):0{device.digits}d}"


class AssessmentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"考核组{n}")


# The weights and deductions of the scheme the assessment tests use (tests/assessment).
SCHEME_WEIGHTS = {
    "response_rate": 10, "contact_rate": 10, "on_time_rate": 30, "solved_rate": 20, "satisfaction_rate": 20, "co_feedback_rate": 10,
}  # fmt: skip
SCHEME_DEDUCTIONS = {"overruled_returns": 2, "reopened": 1, "yellow": 2, "red": 5}


def assessment_scheme(*, valid_from, groups=None, weights=None, deductions=None, **fields):
    """A scheme version through the service; `groups` {group name: [departments]}."""
    from tickets.services.assessment import assessment_scheme_create

    memberships = [(department, AssessmentGroupFactory(name=name)) for name, members in (groups or {}).items() for department in members]
    return assessment_scheme_create(
        valid_from=valid_from,
        by=None,
        weights=SCHEME_WEIGHTS if weights is None else weights,
        deductions=SCHEME_DEDUCTIONS if deductions is None else deductions,
        memberships=memberships,
        **fields,
    )
