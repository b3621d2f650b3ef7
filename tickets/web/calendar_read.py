"""CalendarPerRequestMiddleware: each request reads the working-day calendar at most once
(tickets.workdays.calendar_per_request says why and what it covers)."""

from tickets import workdays


class CalendarPerRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with workdays.calendar_per_request():
            return self.get_response(request)
