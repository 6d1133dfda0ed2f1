from django.urls import path

from accounts import data_views, security_views, views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("tokens/", security_views.api_tokens, name="api-tokens"),
    path("tokens/<str:pk>/revoke/", security_views.api_token_revoke, name="api-token-revoke"),
    path("sessions/", security_views.sessions, name="sessions"),
    path("sessions/<str:pk>/revoke/", security_views.session_revoke, name="session-revoke"),
    path("data/", data_views.your_data, name="your-data"),
    path("data/download/", data_views.download, name="data-download"),
]
