"""A rate is rounded once, half-up, from its exact fraction, wherever it is shown: the figures
carry the exact fraction, and "54.5%" for 6/11 is 54.5454…% rounded once (not 0.5455 rounded
again to 54.6%)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from tickets import reports
from tickets.reports.numbers import rounded


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [
        (6, 11, "54.5%"),
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (1, 8, "12.5%"),
        (1, 16, "6.3%"),
        (3, 16, "18.8%"),
        (0, 7, "0.0%"),
        (7, 7, "100.0%"),
    ],
    ids=["6/11", "1/3", "2/3", "1/8", "1/16 half-up", "3/16 half-up", "0/7", "7/7"],
)
def test_a_rate_is_shown_rounded_once_from_its_fraction(numerator, denominator, shown):
    assert reports.format_rate(Fraction(numerator, denominator)) == shown


def test_a_rate_without_a_denominator_is_shown_as_a_dash():
    assert reports.format_rate(None) == "—"


def test_the_rate_shown_is_the_fraction_rounded_to_a_tenth_of_a_percent():
    assert reports.shown_rate(Fraction(6, 11)) == Decimal("0.545")
    assert reports.shown_rate(Fraction(1, 16)) == Decimal("0.063")
    assert reports.shown_rate(None) is None


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(6, 11), 4, Decimal("0.5455")),
        (Fraction(6, 11), 3, Decimal("0.545")),
        (Fraction(1, 32), 4, Decimal("0.0313")),  # exactly half: up, not to even (0.0312)
        (Fraction(5, 2), 0, Decimal(3)),
        (Fraction(20, 3), 1, Decimal("6.7")),
        (Fraction(0, 1), 4, Decimal("0.0000")),
        (Fraction(-1, 32), 4, Decimal("-0.0313")),  # half away from zero
    ],
)
def test_rounded_is_half_up_from_the_exact_value(value, places, expected):
    result = rounded(value, places=places)
    assert result == expected and result.as_tuple().exponent == -places


def test_the_per_ticket_rating_predicates_agree_with_the_report(submit, dispatcher, department, department_user, company_user):
    """reports.is_accepted / is_rated / is_satisfied (for loaded tickets) count what report() counts."""
    import datetime

    from django.utils import timezone

    from tickets import reports, services
    from tickets.models import Ticket

    made = []
    for rating in ("satisfied", "basically_satisfied", "reopen", "none", "rejected"):
        ticket = submit(title=f"评价 {rating}")
        if rating == "rejected":
            services.ticket_reject(ticket=ticket, by=dispatcher, reason="不属于受理范围")
            made.append(ticket.pk)
            continue
        services.ticket_assign(ticket=ticket, by=dispatcher, department=department)
        services.ticket_sign(ticket=ticket, by=department_user)
        if rating != "none":
            services.ticket_resolve(outcome="solved", ticket=ticket, by=department_user, result="已办结")
            if rating == "reopen":
                services.ticket_reopen(ticket=ticket, by=company_user, comment="仍未解决")
            else:
                services.ticket_confirm(ticket=ticket, by=company_user, rating=rating)
        made.append(ticket.pk)
    tickets = list(Ticket.objects.filter(pk__in=made))
    today = timezone.localdate()
    figures = reports.report(start=today - datetime.timedelta(days=1), end=today)
    assert sum(map(reports.is_accepted, tickets)) == figures["accepted"] == 4
    assert sum(map(reports.is_rated, tickets)) == figures["rated"] == 3
    assert sum(map(reports.is_satisfied, tickets)) == figures["satisfied"] == 2
