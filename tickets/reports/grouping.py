"""Several breakdowns in one scan, on PostgreSQL: ``GROUP BY GROUPING SETS ((a), (b), …)``.

Django has no GROUPING SETS. A query grouped by them is built from an ordinary queryset: each
breakdown's expression is selected wrapped in ``_Member`` (which keeps it out of Django's own GROUP
BY), ``GROUPING(a, b, …)`` is selected as a bit mask that tells which set a row belongs to, and the
query's GROUP BY is replaced by one ``_GroupingSets`` expression. The members are rendered in full in
the SELECT, the GROUPING SETS and the GROUPING() alike, so PostgreSQL matches them as the same
expressions (parameters are bound client-side, as Django's psycopg backend does by default; the
report's parameters are a time zone name and dates).

SQLite has no GROUPING SETS: callers use one GROUP BY query per breakdown there.
"""

from django.db import connections
from django.db.models import Expression, Func, IntegerField

_SETS = "r_grouping_sets"


class _Member(Func):
    """A breakdown's expression, selected as it is and grouped by the GROUPING SETS clause only."""

    template = "%(expressions)s"
    arity = 1

    def get_group_by_cols(self):
        return []


class _Grouping(Func):
    """GROUPING(a, b, …): bit i (from the left) set when the row's grouping set leaves out member i."""

    function = "GROUPING"
    output_field = IntegerField()

    def get_group_by_cols(self):
        return []


class _GroupingSets(Expression):
    """The GROUP BY clause ``GROUPING SETS ((a), (b), …)``, one set per member."""

    output_field = IntegerField()  # never selected; Django asks every expression for one

    def __init__(self, *members):
        super().__init__()
        self.members = list(members)

    def get_source_expressions(self):
        return self.members

    def set_source_expressions(self, exprs):
        self.members = list(exprs)

    def as_sql(self, compiler, connection):
        parts, params = [], []
        for member in self.members:
            sql, member_params = compiler.compile(member)
            parts.append(f"({sql})")
            params.extend(member_params)
        return f"GROUPING SETS ({', '.join(parts)})", params

    def get_group_by_cols(self):
        return [self]


def supported(queryset):
    """Whether the queryset's database groups by GROUPING SETS here: PostgreSQL, with parameters
    bound client-side (server-side, the SELECT's and the GROUP BY's copies of a parameter would be
    two parameters, and PostgreSQL would not see them as one expression)."""
    connection = connections[queryset.db]
    return connection.vendor == "postgresql" and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")


def grouped_by_sets(queryset, groups, aggregates):
    """{name: [row, …]} for each `groups` name (an expression each): the rows of
    ``queryset.values(group).annotate(**aggregates)`` for every group, in one query, each row a dict
    of the aggregates with the group's value under "r_group". No ordering."""
    names = list(groups)
    columns = {f"r_set_{index}": _Member(expression) for index, expression in enumerate(groups.values())}
    grouped = queryset.annotate(**columns).annotate(**{_SETS: _Grouping(*groups.values())})
    grouped = grouped.values(*columns, _SETS).annotate(**aggregates).order_by()
    query = grouped.query
    query.group_by = (_GroupingSets(*(query.annotations[column] for column in columns)),)
    result: dict[str, list[dict]] = {name: [] for name in names}
    last = len(names) - 1
    for row in grouped:
        sets = row.pop(_SETS)
        values = [row.pop(column) for column in columns]
        # The row's set is the one member whose bit is clear.
        [index] = [i for i in range(len(names)) if not sets & (1 << (last - i))]
        result[names[index]].append({**row, "r_group": values[index]})
    return result
