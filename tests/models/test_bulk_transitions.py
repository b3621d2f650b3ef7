"""The sweep applies transitions in bulk from their declarations (tickets.models.ticket.declared_transition)."""

import pytest
from django_fsm import transition

from tickets.models import OPEN_STATUSES, Rating, Status, SupervisionLevel, Ticket
from tickets.models.ticket import AUTO_CLOSE_WRITES, declared_transition


def test_the_yellow_raise_is_read_from_its_declaration():
    assert declared_transition(Ticket.raise_to_yellow) == (
        (SupervisionLevel.NONE,),
        SupervisionLevel.YELLOW,
        {"status": tuple(OPEN_STATUSES)},
    )


def test_the_red_raise_is_read_from_its_declaration():
    sources, target, conditions = declared_transition(Ticket.raise_to_red)
    assert set(sources) == {SupervisionLevel.NONE, SupervisionLevel.YELLOW}
    assert (target, conditions) == (SupervisionLevel.RED, {"status": tuple(OPEN_STATUSES)})


def test_the_auto_close_is_read_from_its_declaration():
    assert declared_transition(Ticket.auto_close) == ((Status.RESOLVED,), Status.CLOSED, {})


def test_auto_close_writes_no_answer_as_the_closing_not_as_a_rating():
    assert AUTO_CLOSE_WRITES == {"rating": Rating.NO_ANSWER, "rating_comment": "", "followed_up": False}
    assert "latest_rating" not in AUTO_CLOSE_WRITES


def _unknown_condition(instance):
    return True


class _Machine:
    state = "a"

    @transition(field="state", source="a", target="b", conditions=[_unknown_condition])
    def go(self):
        pass

    @transition(field="state", source="a", target="b")
    @transition(field="state", source="c", target="d")
    def fork(self):
        pass


def test_a_condition_without_a_bulk_form_is_refused_not_dropped():
    with pytest.raises(ValueError, match="no bulk form"):
        declared_transition(_Machine.go)


def test_a_transition_with_several_targets_is_refused():
    with pytest.raises(ValueError, match="several targets"):
        declared_transition(_Machine.fork)
