from django.contrib.auth import views as auth_views
from django.urls import path

from tickets.web import calls, enterprises, exports, notifications, reports, returns, reviews, tickets

urlpatterns = [
    path("", tickets.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tickets/", tickets.ticket_list, name="ticket_list"),
    path("tickets/new/", tickets.ticket_new, name="ticket_new"),
    path("tickets/<str:reference>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<str:reference>/<slug:action>/", tickets.ticket_action, name="ticket_action"),
    path("extensions/<int:pk>/decide/", tickets.extension_decide, name="extension_decide"),
    path("return-requests/<int:pk>/decide/", returns.return_decide, name="return_decide"),
    path("rating-reviews/", reviews.rating_review_list, name="rating_review_list"),
    path("rating-reviews/<int:pk>/decide/", reviews.rating_review_decide, name="rating_review_decide"),
    path("attachments/<int:pk>/", tickets.attachment_download, name="attachment_download"),
    path("dispatch/", tickets.dispatch_queue, name="dispatch_queue"),
    path("inbox/", tickets.department_inbox, name="department_inbox"),
    path("supervision/", tickets.supervision_board, name="supervision_board"),
    path("verification/", calls.verification_list, name="verification_list"),
    path("verification/<int:pk>/record/", calls.verification_record, name="verification_record"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("reports/", reports.dashboard, name="report_dashboard"),
    path("reports/tickets/", reports.figure_tickets, name="report_tickets"),
    path("reports/xlsx/", reports.dashboard_xlsx, name="report_xlsx"),
    path("enterprises/", enterprises.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", enterprises.enterprise_case_file, name="enterprise_case_file"),
    path("enterprises/<int:pk>/export/", exports.export_request, name="export_request"),
    path("exports/<int:pk>/", exports.export_status, name="export_status"),
    path("exports/<int:pk>/xlsx/", exports.export_xlsx, name="export_xlsx"),
    path("exports/<int:pk>/print/", exports.export_print, name="export_print"),
]
