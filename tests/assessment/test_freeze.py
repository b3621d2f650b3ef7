"""Freezing a month (DESIGN.md §10) on the hand-built September of tests/reports/test_reports.py
(its `story`: eleven tickets around the 2026 Mid-autumn / National Day holidays, every one but T9
submitted in September): the frozen figures are the report's, replayed at the moment of freezing;
they do not move when a ticket does; a second freeze is a no-op; a correction is a new edition."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from enterprises.models import User
from tests.conftest import day, race
from tests.factories import SCHEME_DEDUCTIONS, SCHEME_WEIGHTS, DepartmentFactory, EnterpriseFactory, UserFactory, assessment_scheme
from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tickets import reports
from tickets.assessment.score import score
from tickets.jobs.assessment import first_working_day, freeze_last_month
from tickets.jobs.schedule import PERIODIC_TASKS
from tickets.models import AssessmentMonth, MonthlyAssessment, Ticket
from tickets.selectors.assessment import figures, frozen_month, month_start, monthly_assessment
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month
from tickets.services.base import ActionRefused

SEPTEMBER = datetime.date(2026, 9, 1)
PERIOD = dict(start=SEPTEMBER, end=datetime.date(2026, 9, 30))
SHOWN = [*reports.COUNTS, *reports.RATES, "handling_time", "start", "end"]


def shown(values):
    return {name: values[name] for name in SHOWN}


def key(value):
    return "none" if value is None else str(value)


@pytest.fixture
def scheme(cast):  # noqa: F811
    """September's scheme: 市发改委 (D1) and 市人社局 (D2) in 市直部门, a third department in 县区."""
    return assessment_scheme(
        valid_from=datetime.date(2026, 8, 1), groups={"市直部门": [cast.d1, cast.d2], "县区": [DepartmentFactory(name="泽州县政府")]}
    )


def rows_as_dicts(month, **args):
    return [
        (row.kind, row.key, row.label, row.figures, row.score, row.rank, row.group_id)
        for row in monthly_assessment(month, **args).order_by("kind", "key")
    ]


def test_the_frozen_figures_are_the_report_replayed_at_the_moment_of_freezing(story, cast, scheme):  # noqa: F811
    result = assessment_freeze_month(month=datetime.date(2026, 9, 17), by=None)
    assert (result.month, result.edition, result.frozen) == (SEPTEMBER, 1, True)
    claim = frozen_month(SEPTEMBER)
    assert claim.edition == 1 and claim.scheme == scheme and claim.frozen_by is None
    frozen_at = claim.frozen_at

    [city] = monthly_assessment(SEPTEMBER, kind="city")
    replayed = reports.report(**PERIOD, as_of=frozen_at)
    assert shown(figures(city)) == shown(replayed)
    assert figures(city)["as_of"] == frozen_at
    # The hand-built month as the report counts it: ten tickets submitted in September (all but T9).
    assert figures(city)["submitted"] == 10
    assert Ticket.objects.filter(submitted_at__lt=timezone.make_aware(datetime.datetime(2026, 10, 1))).count() == 10

    for kind in ("department", "category", "district", "industry"):
        frozen = {row.key: shown(figures(row)) for row in monthly_assessment(SEPTEMBER, kind=kind)}
        lines = {key(line["key"]): shown(line) for line in reports.breakdown(kind, **PERIOD, as_of=frozen_at)}
        assert frozen == lines, kind
        assert frozen, kind
    assert (
        result.rows
        == MonthlyAssessment.objects.count()
        == 1 + sum(len(reports.breakdown(kind, **PERIOD)) for kind in ("department", "category", "district", "industry"))
    )


def test_each_department_is_scored_by_the_formula_and_ranked_in_its_group(story, cast, scheme):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    departments = {row.key: row for row in monthly_assessment(SEPTEMBER, kind="department")}
    lines = {key(line["key"]): line for line in reports.breakdown("department", **PERIOD)}
    for pk in (str(cast.d1.pk), str(cast.d2.pk)):
        row = departments[pk]
        assert row.group.name == "市直部门"
        assert row.score == score(figures=lines[pk], weights=SCHEME_WEIGHTS, deductions=SCHEME_DEDUCTIONS)
        assert Decimal(0) <= row.score <= Decimal(100)
    d1, d2 = departments[str(cast.d1.pk)], departments[str(cast.d2.pk)]
    assert sorted([d1.rank, d2.rank]) == [1, 2]
    better, worse = (d1, d2) if d1.rank == 1 else (d2, d1)
    assert better.score >= worse.score
    # The tickets never assigned (T10, and T5 rejected straight away) have a row, without a score.
    assert departments["none"].score is None and departments["none"].rank is None and departments["none"].group is None


def test_a_frozen_month_does_not_change_when_a_ticket_of_that_month_changes(story, cast, scheme):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None)
    before = rows_as_dicts(SEPTEMBER)
    live_before = reports.report(**PERIOD)
    # T6 (市人社局, red card) is resolved and T8 (市发改委) signed, today.
    cast.desk.resolve(story.T6, timezone.now())
    cast.desk.sign(story.T8, timezone.now())
    live_after = reports.report(**PERIOD)
    assert live_after["resolved"] == live_before["resolved"] + 1
    assert rows_as_dicts(SEPTEMBER) == before
    assert figures(monthly_assessment(SEPTEMBER, kind="city").get())["resolved"] == live_before["resolved"]


def test_freezing_twice_is_a_no_op_and_says_so(story, cast, scheme):  # noqa: F811
    first = assessment_freeze_month(month=SEPTEMBER, by=None)
    rows = MonthlyAssessment.objects.count()
    claim = frozen_month(SEPTEMBER)
    with translation.override("zh-hans"):
        second = assessment_freeze_month(month=datetime.date(2026, 9, 30), by=None)
        assert second.message == "2026-09已冻结（第1版），未作任何改动。"
        assert first.message == f"2026-09已冻结：第1版，共{rows}行。"
    assert (second.frozen, second.edition, second.rows) == (False, 1, 0)
    assert MonthlyAssessment.objects.count() == rows
    assert AssessmentMonth.objects.get() == claim and AssessmentMonth.objects.get().frozen_at == claim.frozen_at


def test_the_current_month_a_future_month_and_a_month_without_a_scheme_are_refused(db):
    this_month = month_start(timezone.localdate())
    next_month = month_start(this_month + datetime.timedelta(days=31))
    assessment_scheme(valid_from=datetime.date(2026, 8, 1))
    with translation.override("zh-hans"):
        for month in (this_month, next_month, timezone.localdate()):
            with pytest.raises(ActionRefused) as error:
                assessment_freeze_month(month=month, by=None)
            assert error.value.message == f"只能冻结已结束的月份；{month:%Y-%m}尚未结束。"
        with pytest.raises(ActionRefused) as error:
            assessment_freeze_month(month=datetime.date(2026, 7, 1), by=None)
        assert error.value.message == "2026-07没有生效的考核方案：请先添加自该月或更早生效的考核方案版本。"
    assert not AssessmentMonth.objects.exists() and not MonthlyAssessment.objects.exists()


def test_only_an_administrator_or_the_system_freezes_or_corrects(story, cast, scheme, dispatcher, leader, admin_user):  # noqa: F811
    with translation.override("zh-hans"):
        for user in (dispatcher, leader):
            with pytest.raises(ActionRefused) as error:
                assessment_freeze_month(month=SEPTEMBER, by=user)
            assert (error.value.code, error.value.message) == ("forbidden", "只有管理员可以冻结或更正月度考核。")
        assert not AssessmentMonth.objects.exists()
        assessment_freeze_month(month=SEPTEMBER, by=None)
        with pytest.raises(ActionRefused) as error:
            assessment_correct_month(month=SEPTEMBER, by=dispatcher, reason="更正")
        assert error.value.code == "forbidden" and frozen_month(SEPTEMBER).edition == 1


def test_a_correction_needs_a_reason_and_keeps_edition_1_readable(story, cast, scheme, admin_user):  # noqa: F811
    with translation.override("zh-hans"):
        with pytest.raises(ActionRefused) as error:
            assessment_correct_month(month=SEPTEMBER, by=admin_user, reason="更正")
        assert error.value.message == "2026-09尚未冻结：请先冻结。"
        operator = UserFactory(username="operator", role=User.Role.ADMIN)
        assessment_freeze_month(month=SEPTEMBER, by=operator)
        edition_1 = rows_as_dicts(SEPTEMBER)
        for reason in ("", "   "):
            with pytest.raises(ActionRefused) as error:
                assessment_correct_month(month=SEPTEMBER, by=admin_user, reason=reason)
            assert error.value.message == "请填写发布更正版的原因。"
    assert frozen_month(SEPTEMBER).edition == 1 and not MonthlyAssessment.objects.filter(edition=2).exists()

    cast.desk.resolve(story.T6, timezone.now())  # resolved late, after the freeze
    corrected = assessment_correct_month(month=SEPTEMBER, by=admin_user, reason="T6办结信息补录")
    assert (corrected.edition, corrected.frozen) == (2, True)
    assert frozen_month(SEPTEMBER).edition == 2 and frozen_month(SEPTEMBER).frozen_by == admin_user
    # The latest edition by default, edition 1 on request, unchanged.
    assert rows_as_dicts(SEPTEMBER, edition=1) == edition_1
    latest = monthly_assessment(SEPTEMBER, kind="city").get()
    first = monthly_assessment(SEPTEMBER, kind="city", edition=1).get()
    assert (latest.edition, latest.reason, first.edition, first.reason, first.frozen_by) == (2, "T6办结信息补录", 1, "", operator)
    assert figures(latest)["resolved"] == figures(first)["resolved"] + 1
    assert shown(figures(latest)) == shown(reports.report(**PERIOD, as_of=latest.frozen_at))
    assert assessment_correct_month(month=SEPTEMBER, by=None, reason="再次更正").edition == 3
    assert rows_as_dicts(SEPTEMBER, edition=1) == edition_1


def test_the_command_freezes_corrects_and_reports(story, cast, scheme, admin_user, capsys):  # noqa: F811
    with translation.override("en"):
        call_command("freeze_month", "2026-09", "--by", "admin")
        assert capsys.readouterr().out.startswith("2026-09 frozen: edition 1, ")
        call_command("freeze_month", "2026-09")
        assert capsys.readouterr().out == "2026-09 is already frozen (edition 1); nothing was changed.\n"
        with pytest.raises(CommandError, match="Give the reason"):
            call_command("freeze_month", "2026-09", "--correct")
        call_command("freeze_month", "2026-09", "--correct", "--reason", "补录")
        assert capsys.readouterr().out.startswith("2026-09 frozen: edition 2, ")
        with pytest.raises(CommandError, match="YYYY-MM"):
            call_command("freeze_month", "2026-9-1")
        with pytest.raises(CommandError, match="has not ended"):
            call_command("freeze_month", f"{timezone.localdate():%Y-%m}")
    assert frozen_month(SEPTEMBER).edition == 2
    assert monthly_assessment(SEPTEMBER, edition=1, kind="city").get().frozen_by == admin_user


def test_the_daily_job_freezes_last_month_from_the_first_working_day_and_catches_up(db):
    assessment_scheme(valid_from=datetime.date(2026, 8, 1))
    EnterpriseFactory()
    # October 2026: the 1st–7th are the National Day holiday; the first working day is Thu the 8th.
    assert first_working_day(datetime.date(2026, 10, 1)) == datetime.date(2026, 10, 8)
    assert freeze_last_month(today=day(10, 7)) == {"month": "2026-09", "done": "waits for the first working day, 2026-10-08"}
    assert not AssessmentMonth.objects.exists()
    # The run of the 8th was missed: the 9th catches up.
    done = freeze_last_month(today=day(10, 9))
    assert done["month"] == "2026-09" and done["done"] == "frozen" and done["edition"] == 1
    assert freeze_last_month(today=day(10, 12)) == {"month": "2026-09", "done": "already frozen"}
    assert AssessmentMonth.objects.get().month == SEPTEMBER
    # Without a scheme for the month the job says so and freezes nothing (July has none).
    assert freeze_last_month(today=day(8, 3))["done"].startswith("refused: ")


def test_the_freeze_is_on_the_schedule_daily_at_8_and_is_a_task(db):
    from django_celery_beat.models import PeriodicTask

    from tickets import tasks
    from tickets.jobs.schedule import ensure_periodic_tasks

    [entry] = [entry for entry in PERIODIC_TASKS if entry[1] == "tickets.freeze_last_month"]
    assert entry[2] == {"crontab": {"minute": "0", "hour": "8"}}
    assert tasks.freeze_last_month.name == "tickets.freeze_last_month"
    ensure_periodic_tasks()
    task = PeriodicTask.objects.get(task="tickets.freeze_last_month")
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_month) == ("8", "0", "*")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_freezes_at_once_freeze_the_month_once(department):
    assessment_scheme(valid_from=datetime.date(2026, 8, 1), groups={"市直部门": [department]})
    EnterpriseFactory()
    outcomes = race(
        lambda: assessment_freeze_month(month=SEPTEMBER, by=None),
        lambda: assessment_freeze_month(month=SEPTEMBER, by=None),
    )
    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    results = sorted((value for _, value in outcomes), key=lambda result: result.frozen)
    assert [result.frozen for result in results] == [False, True]
    assert AssessmentMonth.objects.count() == 1
    assert MonthlyAssessment.objects.count() == results[1].rows >= 1
    assert set(MonthlyAssessment.objects.values_list("edition", flat=True)) == {1}
