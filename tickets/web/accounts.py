"""A person's own account: changing their password, and resetting a forgotten one by e-mail
(Django's own views and forms, with the product's pages). A mail server that fails does not make
an error page: Django's form logs it ("Failed to send password reset email") and the person sees
the same "check your e-mail" page as for an address nobody has, which tells nobody who has an
account."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

password_change = auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    success_url=reverse_lazy("password_reset_done"),
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete"))
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
