from django.urls import path

from accounts import api, security_api

app_name = "auth-api"

urlpatterns = [
    path("register/", api.RegisterView.as_view(), name="register"),
    path("login/", api.LoginView.as_view(), name="login"),
    path("login/mfa/", api.LoginMfaView.as_view(), name="login-mfa"),
    path("password/reset/", api.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        api.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("refresh/", api.RefreshView.as_view(), name="refresh"),
    path("logout/", api.LogoutView.as_view(), name="logout"),
    path("logout-all/", api.LogoutAllView.as_view(), name="logout-all"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/export/", api.ExportView.as_view(), name="me-export"),
    path("password/", api.PasswordChangeView.as_view(), name="password"),
    path("tokens/", security_api.ApiTokenListView.as_view(), name="tokens"),
    path("tokens/<str:pk>/", security_api.ApiTokenDetailView.as_view(), name="token"),
    path("sessions/", security_api.LoginSessionListView.as_view(), name="sessions"),
    path("sessions/<str:pk>/", security_api.LoginSessionDetailView.as_view(), name="session"),
]
