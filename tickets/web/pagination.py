"""Paging of the list pages."""

from django.core.paginator import Paginator

from tickets.selectors.tickets import bounded_count

PAGE_SIZE = 25


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# Long lists (a department's tickets, every ticket for the city roles) are paged without a total:
# counting 100 000+ visible rows on every page view cost more than the rest of the page.
BOUNDED_MAX_PAGES = 200  # the first 5 000 rows; beyond that, the filters narrow the list
# The total a list shows ("共 N 件") is exact up to this many rows, then "N+": it counts a LIMITed
# subquery, never every visible row.
COUNT_BOUND = 1000


class BoundedPage:
    """One page of a list without COUNT(*): PAGE_SIZE + 1 rows are read to know whether a next
    page exists. The same interface as Django's Page for the templates (`paginator.num_pages` is
    None: there is no total). At most `max_pages` pages are offered (`capped` says the list goes
    on); a number past the end of the list shows the first page. `as_rows`, if given, turns the
    page's rows into the objects the template shows. With `count_to`, `total` is the number of
    rows up to that bound and `total_capped` says there are more (bounded_count; no query when
    the first page already holds them all), counting the rows of `counted` if given: the list's
    queryset before its columns were chosen, without the joins they need."""

    class _NoTotal:
        num_pages = None
        count = None

    paginator = _NoTotal()

    total = None
    total_capped = False

    def __init__(self, queryset, number, per_page=PAGE_SIZE, max_pages=None, as_rows=None, count_to=None, counted=None):
        max_pages = max_pages or BOUNDED_MAX_PAGES
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        number = min(max(number, 1), max_pages)
        start = (number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        if not rows and number > 1:
            number, rows = 1, list(queryset[: per_page + 1])
        more = len(rows) > per_page
        self.object_list = rows[:per_page] if as_rows is None else as_rows(rows[:per_page])
        self.number = number
        self.limit = max_pages * per_page
        self.capped = more and number >= max_pages
        self._has_next = more and not self.capped
        if count_to:
            total = len(rows) if number == 1 and not more else bounded_count(queryset if counted is None else counted, bound=count_to)
            self.total, self.total_capped = min(total, count_to), total > count_to

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def _bounded_page(request, queryset, as_rows=None, count_to=None, counted=None):
    """`as_rows` turns the page's rows into what the template shows (tickets.selectors.rows.as_rows
    for a row_values() queryset)."""
    return BoundedPage(queryset, request.GET.get("page"), as_rows=as_rows, count_to=count_to, counted=counted)
