"""The dashboard against the report's own calls: dashboard() (on PostgreSQL now: one GROUPING SETS
scan each of the tickets, the co assignments and the overruled returns) must hold exactly what
report(), department_ranking() and each breakdown() (one grouped query per breakdown) give for the
same arguments: every row in the same order, every count, rate Fraction, label and group, of the
same types."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets import reports


def typed(value):
    """A value with its type, recursively, so that 3 and Decimal(3), or 0 and None, differ."""
    if isinstance(value, dict):
        # as_of is the moment of the call (now): it differs between two calls.
        return {key: typed(item) for key, item in value.items() if key != "as_of"}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


def expected_dashboard(**args):
    """What dashboard(**args) shows, from the report's per-breakdown calls."""
    department = reports.breakdown("department", **args)
    ranking = reports.department_ranking(**args)
    ranked = {row["key"] for row in ranking}
    return {
        "figures": reports.report(**args),
        "ranking": ranking,
        "co_handling_only": [row for row in department if row["group"] is not None and row["key"] not in ranked and not row["accepted"]],
        **{by: reports.breakdown(by, **args) for by in reports.DASHBOARD_GROUPS},
    }


def assert_dashboard_is_its_breakdowns(**args):
    """dashboard(**args) equals expected_dashboard(**args); returns the dashboard's SQL statements."""
    with CaptureQueriesContext(connection) as queries:
        data = reports.dashboard(**args)
    assert typed(data) == typed(expected_dashboard(**args))
    return [query["sql"] for query in queries.captured_queries]
