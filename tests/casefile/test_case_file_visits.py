"""A company's case file (一企一档) shows its liaison visits, to whoever sees the visits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tickets import services
from tickets.casefile import selectors


def _visit(liaison, enterprise, discussion="了解企业用工情况。", people="王经理"):
    return services.visit_record(
        by=liaison, enterprise=enterprise, visited_on=timezone.localdate(), people_met=people, discussion=discussion
    )


def test_the_company_sees_its_visits_in_its_case_file(client, company_user, liaison, enterprise):
    visit = _visit(liaison, enterprise)
    client.force_login(company_user)
    page = client.get(reverse("enterprise_case_file", args=[enterprise.pk])).content.decode()
    assert visit.discussion in page and reverse("visit_detail", args=[visit.pk]) in page


def test_another_company_s_visits_are_not_in_the_case_file(company_user, liaison, enterprise, other_enterprise):
    other = services.visit_record(
        by=_liaison_of(other_enterprise), enterprise=other_enterprise, visited_on=timezone.localdate(), discussion="x"
    )
    _visit(liaison, enterprise)
    case_file = selectors.enterprise_case_file(company_user, enterprise.pk)
    assert other not in case_file.visits and len(case_file.visits) == 1


def _liaison_of(enterprise):
    from enterprises.models import User
    from tests.factories import UserFactory

    user = UserFactory(role=User.Role.LIAISON)
    enterprise.liaisons.add(user)
    return user


def test_a_department_holding_a_ticket_sees_the_case_file_without_the_visits(
    department_user, dispatcher, department, liaison, enterprise, ticket
):
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department)
    _visit(liaison, enterprise)
    assert selectors.enterprise_case_file(department_user, enterprise.pk).visits == []


def test_leadership_reads_the_people_met_masked_in_the_case_file(client, leader, liaison, enterprise):
    _visit(liaison, enterprise, people="王经理")
    client.force_login(leader)
    page = client.get(reverse("enterprise_case_file", args=[enterprise.pk])).content.decode()
    assert "王**" in page and "王经理" not in page


@pytest.mark.parametrize("user", ["liaison", "supervisor"])
def test_the_case_file_reads_as_many_queries_with_ten_visits_as_with_one(request, client, user, liaison, enterprise):
    reader = request.getfixturevalue(user)
    client.force_login(reader)
    counts = []
    for visits in (1, 9):
        for _ in range(visits):
            _visit(liaison, enterprise)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("enterprise_case_file", args=[enterprise.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _built(user, enterprise):
    from tests.casefile.test_exports import new_export
    from tickets.casefile import export as exports

    export = new_export(user, enterprise)
    exports.build_case_file_export(export.pk)
    export.refresh_from_db()
    return export


def test_the_export_has_a_sheet_of_the_visits_with_their_problems(liaison, enterprise, category):
    from tests.casefile.test_exports import workbook_of

    visit = services.visit_record(
        by=liaison,
        enterprise=enterprise,
        visited_on=timezone.localdate(),
        people_met="王经理",
        discussion="了解企业用工情况。",
        problems=[services.Problem(category=category, title="招工难", description="缺焊工")],
    )
    sheet = workbook_of(_built(liaison, enterprise))["走访记录"]
    row = [cell.value for cell in sheet[2]]
    assert row[2:] == ["王经理", "了解企业用工情况。", visit.tickets.get().reference]


def test_the_exported_visits_mask_the_people_met_for_leadership(leader, liaison, enterprise):
    from tests.casefile.test_exports import workbook_of

    _visit(liaison, enterprise, people="王经理")
    export = _built(leader, enterprise)
    assert workbook_of(export)["走访记录"]["C2"].value == "王**"
    with export.printable.open("rb") as handle:
        page = handle.read().decode()
    assert "王**" in page and "王经理" not in page
