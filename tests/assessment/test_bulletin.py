"""The monthly bulletin (DESIGN.md §10) read from a frozen month: the ranking per group, the honour
and red lists, the red-carded tickets, what a department sees, and who is told when a month is
frozen or corrected. On the hand-built September of tests/reports/test_reports.py: T6 (市人社局,
D2) is under red supervision; 市发改委 (D1) has none."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone, translation

from enterprises.models import User
from tests.factories import AssessmentGroupFactory, DepartmentFactory, UserFactory, assessment_scheme
from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tickets import reports, visibility
from tickets.models import Notification
from tickets.selectors.bulletin import Line, bulletin, rank_group
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month

SEPTEMBER = datetime.date(2026, 9, 1)
PERIOD = dict(start=SEPTEMBER, end=datetime.date(2026, 9, 30))


@pytest.fixture
def scheme(cast):  # noqa: F811
    return assessment_scheme(
        valid_from=datetime.date(2026, 8, 1),
        groups={"市直部门": [cast.d1, cast.d2], "县区": [DepartmentFactory(name="泽州县政府")]},
        red_list_size=1,
        honour_list_size=1,
    )


def line(label, rank, *, red=0, accepted=3):
    return Line(
        department_id=rank, label=label, score=Decimal(100 - rank), rank=rank, group=None, figures={"red": red, "accepted": accepted}
    )


def test_the_honour_list_skips_red_cards_and_the_red_list_is_the_bottom_and_every_red_card(db):
    group = AssessmentGroupFactory(name="市直部门")
    lines = [line("A", 1), line("B", 2, red=1), line("C", 3), line("D", 4), line("E", 5), line("F", 6)]
    ranking = rank_group(group, list(reversed(lines)), honour_size=2, red_size=2)
    assert [x.label for x in ranking.lines] == ["A", "B", "C", "D", "E", "F"]
    assert [x.label for x in ranking.honour] == ["A", "C"]
    assert [x.label for x in ranking.red] == ["B", "E", "F"]
    assert ranking.size == 6


def test_a_department_without_accepted_tickets_is_not_on_the_honour_list(db):
    group = AssessmentGroupFactory(name="县区")
    ranking = rank_group(group, [line("co only", 1, accepted=0), line("A", 2), line("B", 3)], honour_size=1, red_size=1)
    assert [x.label for x in ranking.honour] == ["A"] and [x.label for x in ranking.red] == ["B"]


def test_the_bottom_of_the_red_list_is_below_the_groups_average(db):
    group = AssessmentGroupFactory(name="县区")
    tied = [
        Line(department_id=n, label=x, score=Decimal(100), rank=n, group=None, figures={"red": 0, "accepted": 2})
        for n, x in ((1, "A"), (2, "B"))
    ]
    ranking = rank_group(group, tied, honour_size=1, red_size=1)
    assert [x.label for x in ranking.honour] == ["A"] and ranking.red == ()


def test_lists_larger_than_the_group_never_put_a_department_on_both(db):
    group = AssessmentGroupFactory(name="公用事业")
    ranking = rank_group(group, [line("A", 1), line("B", 2)], honour_size=3, red_size=3)
    assert [x.label for x in ranking.honour] == ["A", "B"] and ranking.red == ()


def test_the_bulletin_of_the_hand_built_september(story, cast, scheme):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    found = bulletin(datetime.date(2026, 9, 20))
    assert (found.month, found.edition, found.latest_edition, found.editions, found.whole) == (SEPTEMBER, 1, 1, (1,), True)
    assert found.city["submitted"] == 10 and found.city["red"] == 1 == reports.report(**PERIOD)["red"]
    [group] = found.groups  # 泽州县政府 had no tickets: no line, no group shown
    assert group.group.name == "市直部门" and [x.rank for x in group.lines] == [1, 2]
    by_label = {x.label: x for x in group.lines}
    assert set(by_label) == {cast.d1.name, cast.d2.name}
    assert by_label[cast.d2.name].red == 1 and by_label[cast.d2.name].red_tickets == (story.T6.reference,)
    assert by_label[cast.d1.name].red_tickets == ()
    assert [x.label for _g, x in found.honour_list] == [cast.d1.name]
    assert [x.label for _g, x in found.red_list] == [cast.d2.name]
    assert found.red_tickets == ((story.T6.reference, cast.d2.name),)
    assert isinstance(by_label[cast.d1.name].figures["on_time_rate"], Fraction)


def test_the_red_tickets_are_those_red_when_the_month_was_frozen(story, cast, scheme):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    cast.desk.supervise(story.T8, "red", timezone.now())  # 市发改委's T8, red after the freeze
    assert reports.report(**PERIOD)["red"] == 2
    assert bulletin(SEPTEMBER).red_tickets == ((story.T6.reference, cast.d2.name),)


def test_a_department_sees_the_city_and_its_own_line_only(story, cast, scheme, department_user):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    mine = bulletin(SEPTEMBER).for_departments(visibility.bulletin_departments(department_user))
    assert not mine.whole and mine.city == bulletin(SEPTEMBER).city
    assert [x.label for x in mine.lines] == [cast.d1.name]
    assert mine.red_tickets == () and mine.red_list == []
    assert [ranking.size for ranking in mine.groups] == [2]  # the group's size, not the lines shown


def test_who_sees_which_lines_of_the_bulletin(
    db, department_user, dispatcher, supervisor, leader, admin_user, callback_user, company_user, liaison
):
    assert visibility.bulletin_departments(department_user) == {department_user.department_id}
    for user in (dispatcher, supervisor, leader, admin_user, callback_user):
        assert visibility.bulletin_departments(user) is None, user.role
    for user in (company_user, liaison, UserFactory.build(role=User.Role.DEPARTMENT, department=None)):
        assert visibility.bulletin_departments(user) == set(), user.role
    department_user.is_active = False
    assert visibility.bulletin_departments(department_user) == set()


def test_a_month_not_frozen_or_an_edition_that_does_not_exist_has_no_bulletin(story, cast, scheme):  # noqa: F811
    assert bulletin(SEPTEMBER) is None
    assessment_freeze_month(month=SEPTEMBER, by=None)
    assert bulletin(SEPTEMBER, edition=2) is None and bulletin(SEPTEMBER, edition=0) is None
    assert bulletin(SEPTEMBER, edition=1) is not None


def test_the_bulletin_is_read_in_two_queries(story, cast, scheme, django_assert_num_queries):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    with django_assert_num_queries(2):
        bulletin(SEPTEMBER)


def test_a_corrected_edition_keeps_the_first_readable_with_its_own_figures(story, cast, scheme, admin_user):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    cast.desk.resolve(story.T6, timezone.now())
    assessment_correct_month(month=SEPTEMBER, by=admin_user, reason="T6办结信息补录")
    latest, first = bulletin(SEPTEMBER), bulletin(SEPTEMBER, edition=1)
    assert (latest.edition, latest.editions, latest.reason) == (2, (1, 2), "T6办结信息补录")
    assert (first.edition, first.latest_edition, first.reason) == (1, 2, "")
    assert latest.city["resolved"] == first.city["resolved"] + 1


def test_freezing_tells_leadership_supervision_and_every_department_with_its_own_line(
    story,  # noqa: F811
    cast,  # noqa: F811
    scheme,
    leader,
    company_user,
    liaison,
    callback_user,  # noqa: F811
):
    UserFactory(username="left", role=User.Role.LEADER, is_active=False)
    with translation.override("en"):
        assessment_freeze_month(month=SEPTEMBER, by=None)
    told = Notification.objects.filter(kind=Notification.Kind.BULLETIN).select_related("recipient")
    recipients = {note.recipient.username for note in told}
    d1_staff = {u.username for u in User.objects.filter(role=User.Role.DEPARTMENT, department__isnull=False, is_active=True)}
    assert recipients == {leader.username, cast.desk.supervisor.username} | d1_staff
    note = told.get(recipient__department=cast.d1)
    line_d1 = next(x for g in bulletin(SEPTEMBER).groups for x in g.lines if x.label == cast.d1.name)
    # Messages are written in the site's language (zh-hans), whatever language the freeze ran in.
    assert note.subject == "月度通报 2026-09" and note.url == "/assessment/2026-09/"
    assert f"本部门得分：{line_d1.score}，在市直部门中排名第{line_d1.rank}。" in note.body
    leader_note = told.get(recipient=leader)
    assert "本部门" not in leader_note.body and "/assessment/2026-09/" in leader_note.body


def test_a_correction_tells_the_readers_with_its_reason(story, cast, scheme, leader, admin_user):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    assessment_correct_month(month=SEPTEMBER, by=admin_user, reason="T6办结信息补录")
    note = Notification.objects.filter(kind=Notification.Kind.BULLETIN, recipient=leader).order_by("-id").first()
    assert note.subject == "月度通报 2026-09（更正版第2版）" and "T6办结信息补录" in note.body


def test_a_second_freeze_tells_no_one_again(story, cast, scheme, leader):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    assessment_freeze_month(month=SEPTEMBER, by=None)
    assert Notification.objects.filter(kind=Notification.Kind.BULLETIN, recipient=leader).count() == 1
