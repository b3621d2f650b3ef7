"""The second factor's pages, and the middleware that sends people to them.

After the password (accounts.LoginView), a person who must pass the second factor
(tickets.rules.must_verify) and has not in this session is sent by SecondFactorMiddleware to
/accounts/two-factor/ (a code from their app, or a recovery code), or, with no app enrolled yet,
to /accounts/two-factor/setup/ (a QR code and the secret, one code to confirm, then ten recovery
codes shown once). Until then every other page redirects there; the API answers a session of
theirs with a 403 (tickets.api.authentication), and API tokens are not concerned. The work is
enterprises.two_factor's."""

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from enterprises import two_factor
from tickets import rules


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}),
    )


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _exempt_prefixes():
    """Pages a person waiting for their second factor may still open."""
    return (
        reverse("two_factor"),  # and the set-up under it
        reverse("logout"),
        reverse("password_reset"),  # and its sent, confirm and done pages under it
        reverse("set_language"),
        reverse("public_monthly"),  # the public page (and its months under it): open to anyone
        settings.STATIC_URL,
        "/api/",  # the API's session authentication refuses them (tickets.api.authentication)
    )


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a signed-in person who must pass the second factor and
    has not in this session goes to it, and comes back to the page they asked for."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            if self._exempt is None:
                self._exempt = _exempt_prefixes()
            if not request.path_info.startswith(self._exempt) and rules.must_verify(user):
                target = reverse("two_factor") if rules.has_second_factor(user) else reverse("two_factor_setup")
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _next(request):
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("home")


def _signed_in_with(request, device):
    """The session has passed its second factor (a new session key, as at the password)."""
    request.session.cycle_key()
    otp_login(request, device)


@sensitive_post_parameters("code")
@login_required
def verify(request):
    user = request.user
    if user.is_verified() or not rules.must_verify(user):
        return redirect(_next(request))
    if not rules.has_second_factor(user):
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(user=user, code=form.cleaned_data["code"])
        except two_factor.CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            _signed_in_with(request, device)
            return redirect(_next(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request), "second_factor_pending": True})


@sensitive_post_parameters("code")
@login_required
def setup(request):
    """Enrolling an app: for whoever must and has none, and for anyone without one who wants it."""
    user = request.user
    if rules.has_second_factor(user):
        return redirect("password_change" if user.is_verified() else "two_factor")
    device = two_factor.pending_app(user=user)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_app(user=user, code=form.cleaned_data["code"])
        except two_factor.CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            _signed_in_with(request, device)
            return _recovery_codes_page(request, codes, first=True)
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title=str(_("QR code to scan"))),
        "secret": two_factor.secret(device),
        "second_factor_pending": not user.is_verified(),
    }
    response = render(request, "registration/two_factor_setup.html", context)
    response["Cache-Control"] = "no-store"  # the app's secret: not kept by the browser
    return response


@login_required
def recovery_codes(request):
    """New recovery codes (POST, from the password page), for a person whose session passed the app."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (request.user.is_verified() and rules.has_second_factor(request.user)):
        return redirect("password_change")
    return _recovery_codes_page(request, two_factor.new_recovery_codes(user=request.user), first=False)


def _recovery_codes_page(request, codes, *, first):
    response = render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "first": first, "next": _next(request)})
    response["Cache-Control"] = "no-store"  # shown once: not kept by the browser
    return response
