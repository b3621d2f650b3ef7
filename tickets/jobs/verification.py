"""The monthly draw of verification calls (回访核实, DESIGN.md §9), run daily by beat: last month's
sample is drawn once (tickets.services.calls.verification_draw stores a month once and tells the
callers once), so a missed run is caught up by the next."""

from django.utils import timezone

from tickets.services.calls import previous_month, verification_draw


def draw_last_month(now=None):
    """Draw the month before today's if it is not drawn yet: {"month": "YYYY-MM", "calls": n}, n
    the calls stored by this run (0 when already drawn or nothing closed)."""
    now = now or timezone.now()
    month = previous_month(timezone.localdate(now))
    return {"month": f"{month:%Y-%m}", "calls": len(verification_draw(month=month, at=now))}
