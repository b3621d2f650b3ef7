"""Requesting a case file export (tickets.services.case_file_export_request): one export per
person and company while it is being built, refused for a company the person may not see, the
build queued only once the request committed."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import race
from tickets import services
from tickets.casefile import export as exports
from tickets.models import CaseFileExport
from tickets.services import ActionRefused
from tickets.services.exports import REUSE_WITHIN

State = CaseFileExport.State


@pytest.fixture
def queued(monkeypatch):
    """The export ids whose build was queued (nothing is built)."""
    calls = []
    monkeypatch.setattr(exports, "queue_build", calls.append)
    return calls


def request(user, enterprise, **kwargs):
    return services.case_file_export_request(by=user, enterprise_id=enterprise.pk, **kwargs)


def test_a_first_request_creates_a_pending_export_for_the_requester(company_user, enterprise, queued):
    export, created = request(company_user, enterprise)
    assert created is True
    assert (export.enterprise, export.requested_by, export.state) == (enterprise, company_user, State.PENDING)


@pytest.mark.parametrize("state", [State.PENDING, State.RUNNING])
def test_a_request_within_the_window_reuses_the_export_being_built(
    company_user, enterprise, queued, state, django_capture_on_commit_callbacks
):
    first = CaseFileExport.objects.create(
        enterprise=enterprise,
        requested_by=company_user,
        state=state,
        created_at=timezone.now() - REUSE_WITHIN + datetime.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        export, created = request(company_user, enterprise)
    assert (export, created) == (first, False)
    assert CaseFileExport.objects.count() == 1
    assert callbacks == [] and queued == []


def test_a_request_after_the_window_creates_a_new_export(company_user, enterprise, queued):
    old = CaseFileExport.objects.create(
        enterprise=enterprise, requested_by=company_user, created_at=timezone.now() - REUSE_WITHIN - datetime.timedelta(seconds=1)
    )
    export, created = request(company_user, enterprise)
    assert created is True and export != old
    assert CaseFileExport.objects.count() == 2


@pytest.mark.parametrize("state", [State.DONE, State.FAILED])
def test_a_finished_export_is_not_reused(company_user, enterprise, queued, state):
    finished = CaseFileExport.objects.create(enterprise=enterprise, requested_by=company_user, state=state)
    export, created = request(company_user, enterprise)
    assert created is True and export != finished


def test_another_persons_export_of_the_company_is_not_reused(company_user, liaison, enterprise, queued):
    theirs, _ = request(liaison, enterprise)
    mine, created = request(company_user, enterprise)
    assert created is True and mine != theirs and mine.requested_by == company_user


def test_an_export_of_another_company_is_not_reused(dispatcher, enterprise, other_enterprise, queued):
    request(dispatcher, other_enterprise)
    export, created = request(dispatcher, enterprise)
    assert created is True and export.enterprise == enterprise


def test_a_request_for_a_company_one_may_not_see_is_refused_and_creates_nothing(
    other_company_user, enterprise, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ActionRefused) as refused:
        request(other_company_user, enterprise)
    assert refused.value.code == "not_found"
    assert not CaseFileExport.objects.exists()
    assert callbacks == [] and queued == []


def test_a_request_for_a_company_that_does_not_exist_is_refused_the_same_way(dispatcher, queued):
    with pytest.raises(ActionRefused) as refused:
        services.case_file_export_request(by=dispatcher, enterprise_id=999999)
    assert refused.value.code == "not_found"
    assert not CaseFileExport.objects.exists()


def test_a_department_may_not_export_a_company_it_never_handled(other_department_user, assigned_ticket, queued):
    with pytest.raises(ActionRefused):
        request(other_department_user, assigned_ticket.enterprise)
    assert not CaseFileExport.objects.exists()


def test_the_build_is_queued_only_after_the_request_commits(company_user, enterprise, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        export, _created = request(company_user, enterprise)
        assert queued == []  # not yet: the export row is not committed
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [export.pk]


def test_a_request_rolled_back_with_its_caller_queues_no_build(company_user, enterprise, queued, django_capture_on_commit_callbacks):
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abort), transaction.atomic():
        request(company_user, enterprise)
        raise Abort
    assert queued == [] and not CaseFileExport.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_export(company_user, enterprise, queued):
    outcomes = race(lambda: request(company_user, enterprise), lambda: request(company_user, enterprise))
    assert sorted(created for _ok, (_export, created) in outcomes) == [False, True]
    assert CaseFileExport.objects.count() == 1
    assert queued == [CaseFileExport.objects.get().pk]
