"""The assessment scheme (考核方案): versions, the version in force for a month, and every refusal
(nothing saved, a clear message in Chinese)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.factories import SCHEME_DEDUCTIONS, SCHEME_WEIGHTS, AssessmentGroupFactory, DepartmentFactory, assessment_scheme
from tickets.models import AssessmentScheme, SchemeMembership
from tickets.selectors.assessment import scheme_in_force
from tickets.services.assessment import assessment_scheme_create
from tickets.services.base import ActionRefused

pytestmark = pytest.mark.django_db


def refused(**args):
    with translation.override("zh-hans"), pytest.raises(ActionRefused) as error:
        assessment_scheme_create(by=None, **{"weights": SCHEME_WEIGHTS, "deductions": SCHEME_DEDUCTIONS, **args})
    assert not AssessmentScheme.objects.exists() or AssessmentScheme.objects.count() == getattr(refused, "expected", 0)
    return error.value.message


def test_a_version_with_its_groups(department, other_department):
    scheme = assessment_scheme(valid_from=datetime.date(2026, 9, 1), groups={"市直部门": [department], "县区": [other_department]})
    assert scheme.weights() == SCHEME_WEIGHTS
    assert scheme.deductions() == {name: Decimal(points) for name, points in SCHEME_DEDUCTIONS.items()}
    assert (scheme.red_list_size, scheme.honour_list_size) == (3, 3)
    assert {(m.department.name, m.group.name) for m in scheme.memberships.all()} == {("市发改委", "市直部门"), ("市人社局", "县区")}


def test_the_version_in_force_is_the_latest_from_on_or_before_the_first_of_the_month(department, other_department):
    assert scheme_in_force(datetime.date(2026, 9, 1)) is None
    first = assessment_scheme(valid_from=datetime.date(2026, 9, 1), groups={"市直部门": [department, other_department]})
    # A new version from November: 市人社局 moves to 县区, on-time weighs more.
    second = assessment_scheme_create(
        valid_from=datetime.date(2026, 11, 1),
        by=None,
        based_on=first,
        weights={"on_time_rate": 40, "solved_rate": 10},
        memberships=[(department, AssessmentGroupFactory(name="市直部门")), (other_department, AssessmentGroupFactory(name="县区"))],
    )
    assert second.weights() == {**SCHEME_WEIGHTS, "on_time_rate": 40, "solved_rate": 10}
    assert second.deductions() == first.deductions()
    assert scheme_in_force(datetime.date(2026, 8, 31)) is None
    assert scheme_in_force(datetime.date(2026, 9, 1)) == first
    assert scheme_in_force(datetime.date(2026, 10, 31)) == first
    assert scheme_in_force(datetime.date(2026, 11, 1)) == second
    assert scheme_in_force(datetime.date(2027, 3, 15)) == second
    # The first version is unchanged, groups included.
    assert SchemeMembership.objects.get(scheme=first, department=other_department).group.name == "市直部门"
    # Based on a version without new memberships: its memberships are copied.
    third = assessment_scheme_create(valid_from=datetime.date(2027, 1, 1), by=None, based_on=second, red_list_size=5)
    copied = {(m.department_id, m.group.name) for m in third.memberships.all()}
    assert copied == {(department.pk, "市直部门"), (other_department.pk, "县区")}
    assert third.red_list_size == 5 and third.weights() == second.weights()


def test_weights_not_adding_up_to_100_are_refused():
    assert refused(valid_from=datetime.date(2026, 9, 1), weights={**SCHEME_WEIGHTS, "on_time_rate": 25}) == "各项权重之和为95，应为100。"
    assert "应为100" in refused(valid_from=datetime.date(2026, 9, 1), weights={**SCHEME_WEIGHTS, "on_time_rate": 35})
    assert refused(valid_from=datetime.date(2026, 9, 1), weights={**SCHEME_WEIGHTS, "on_time_rate": -30, "solved_rate": 80}) == (
        "权重不能为负数。"
    )


def test_a_negative_deduction_is_refused():
    assert refused(valid_from=datetime.date(2026, 9, 1), deductions={"red": Decimal("-1")}) == "扣分不能为负数。"


def test_a_version_not_from_a_first_of_month_is_refused():
    assert refused(valid_from=datetime.date(2026, 9, 15)) == "考核方案版本应从某月1日起生效，而不是2026-09-15。"


def test_a_department_in_two_groups_of_one_version_is_refused(department):
    message = refused(
        valid_from=datetime.date(2026, 9, 1),
        memberships=[(department, AssessmentGroupFactory(name="市直部门")), (department, AssessmentGroupFactory(name="县区"))],
    )
    assert message == "市发改委同时属于两个考核组（市直部门、县区）；一个部门只能属于一个组。"
    assert not SchemeMembership.objects.exists()


def test_a_second_version_from_the_same_month_and_unknown_figures_are_refused():
    assessment_scheme(valid_from=datetime.date(2026, 9, 1))
    refused.expected = 1
    try:
        assert refused(valid_from=datetime.date(2026, 9, 1)) == "已有自2026-09起生效的考核方案版本。"
        assert "closure_rate" in refused(valid_from=datetime.date(2026, 10, 1), weights={**SCHEME_WEIGHTS, "closure_rate": 0})
    finally:
        refused.expected = 0


def test_the_database_refuses_what_the_service_refuses(department):
    """The check constraints and the unique membership hold even for a save that skips the checks."""
    scheme = assessment_scheme(valid_from=datetime.date(2026, 9, 1), groups={"市直部门": [department]})
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentScheme.objects.filter(pk=scheme.pk).update(weight_on_time=31)
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentScheme.objects.filter(pk=scheme.pk).update(deduction_red=Decimal("-0.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SchemeMembership.objects.create(scheme=scheme, department=department, group=AssessmentGroupFactory(name="县区"))


def test_the_admin_form_refuses_a_bad_version(client, admin_user):
    """The admin's add form checks the same rules (AssessmentScheme.clean) and the one group per
    department (the inline's unique check); nothing is saved."""
    client.force_login(admin_user)
    admin_client = client
    department = DepartmentFactory(name="市住建局")
    group = AssessmentGroupFactory(name="市直部门")
    data = {
        "valid_from": "2026-09-15",
        **{f"weight_{name}": weight for name, weight in zip(
            ["response", "contact", "on_time", "solved", "satisfaction", "co_feedback"], [10, 10, 30, 20, 20, 5], strict=True
        )},
        "deduction_overruled_return": "1", "deduction_reopened": "1", "deduction_yellow": "-2", "deduction_red": "5",
        "red_list_size": "3", "honour_list_size": "3",
        "memberships-TOTAL_FORMS": "2", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-department": str(department.pk), "memberships-0-group": str(group.pk),
        "memberships-1-department": str(department.pk), "memberships-1-group": str(AssessmentGroupFactory(name="县区").pk),
    }  # fmt: skip
    with translation.override("zh-hans"):
        response = admin_client.post("/admin/tickets/assessmentscheme/add/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert not AssessmentScheme.objects.exists()
    page = response.content.decode()
    assert "各项权重之和为95，应为100。" in page
    assert "2026-09-15" in page and "扣分不能为负数" in page
    data.update({"valid_from": "2026-09-01", "weight_co_feedback": "10", "deduction_yellow": "2"})
    response = admin_client.post("/admin/tickets/assessmentscheme/add/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and not AssessmentScheme.objects.exists()  # the department is in two groups
    data.update({"memberships-TOTAL_FORMS": "1"})
    response = admin_client.post("/admin/tickets/assessmentscheme/add/", data)
    assert response.status_code == 302
    assert AssessmentScheme.objects.get().memberships.get().group == group
