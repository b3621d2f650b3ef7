from django.contrib.auth import views as auth_views
from django.urls import path

from . import export_views, report_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<str:reference>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:reference>/<slug:action>/", views.ticket_action, name="ticket_action"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("dispatch/", views.dispatch_queue, name="dispatch_queue"),
    path("inbox/", views.department_inbox, name="department_inbox"),
    path("supervision/", views.supervision_board, name="supervision_board"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("reports/", report_views.dashboard, name="report_dashboard"),
    path("reports/tickets/", report_views.figure_tickets, name="report_tickets"),
    path("reports/xlsx/", report_views.dashboard_xlsx, name="report_xlsx"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_case_file, name="enterprise_case_file"),
    path("enterprises/<int:pk>/export/", export_views.export_request, name="export_request"),
    path("exports/<int:pk>/", export_views.export_status, name="export_status"),
    path("exports/<int:pk>/xlsx/", export_views.export_xlsx, name="export_xlsx"),
    path("exports/<int:pk>/print/", export_views.export_print, name="export_print"),
]
