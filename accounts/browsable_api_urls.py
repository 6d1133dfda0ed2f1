"""The browsable API's login and logout (rest_framework.urls), with the login form that
sends users with a second factor to /accounts/login/ (accounts.forms)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import BrowsableApiLoginForm

app_name = "rest_framework"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="rest_framework/login.html", authentication_form=BrowsableApiLoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
