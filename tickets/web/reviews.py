"""Rating review pages (评价复核): supervision's list of pending reviews, with the decision form
of each. The department asks for a review from the ticket's page (tickets.web.actions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets import rules, selectors, services
from tickets.selectors.lookup import visible_or_404
from tickets.web import request_forms
from tickets.web.pagination import _paginate


@login_required
def rating_review_list(request):
    if not rules.may_decide_rating_reviews(request.user):
        raise PermissionDenied
    return render(
        request,
        "tickets/rating_review_list.html",
        {"page": _paginate(request, selectors.pending_rating_reviews(request.user)), "form": request_forms.RatingReviewDecisionForm()},
    )


@login_required
@require_POST
def rating_review_decide(request, pk):
    review = visible_or_404(lambda: selectors.visible_rating_review(request.user, pk))
    if not rules.may_decide_rating_reviews(request.user):
        raise PermissionDenied
    form = request_forms.RatingReviewDecisionForm(request.POST)
    back = request.POST.get("from") == "ticket"
    target = reverse("ticket_detail", args=[review.ticket.reference]) if back else reverse("rating_review_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    uphold = form.cleaned_data["decision"] == "uphold"
    try:
        services.rating_review_decide(review=review, by=request.user, uphold=uphold, note=form.cleaned_data["note"])
    except services.ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        if uphold:
            messages.success(request, _("Review upheld: the rating stays on record but leaves the satisfaction rate."))
        else:
            messages.success(request, _("Review refused: the rating stands."))
    return redirect(target)
