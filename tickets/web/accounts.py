"""A person's own account: changing their password, and resetting a forgotten one by e-mail
(Django's own views and forms, with the product's pages). A mail server that fails does not make
an error page: Django's form logs it ("Failed to send password reset email") and the person sees
the same "check your e-mail" page as for an address nobody has, which tells nobody who has an
account.

The log-in page is Django's, with the lockout of enterprises/lockout.py: after a wrong password
that leaves one try, it warns that the next one locks the account and for how long; the lockout
page says when the lock lifts."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from enterprises import lockout, two_factor


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_invalid(self, form):
        context = self.get_context_data(form=form)
        username = form.data.get("username", "")
        wrong_password = any(error.code == "invalid_login" for error in form.errors.as_data().get("__all__", []))
        if settings.AXES_ENABLED and wrong_password and lockout.tries_left(self.request, username) == 1:
            context["last_try_locks_for"] = lockout.lockout_minutes()
        return self.render_to_response(context)


login = LoginView.as_view()


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the product's page, with the minutes left."""
    minutes = lockout.minutes_left(request, credentials)
    return render(request, "registration/locked_out.html", {"minutes_left": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE)


class PasswordChangeView(auth_views.PasswordChangeView):
    """The person's own page: their password, and whether their second factor is on (with new
    recovery codes to be had there: tickets.web.two_factor)."""

    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["second_factor"] = two_factor.status(user=self.request.user)
        return context


password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    success_url=reverse_lazy("password_reset_done"),
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete"))
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
