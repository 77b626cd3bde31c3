from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from campaign import views as campaign_views
from portal import pwa
from portal.login import AdminLoginForm, LoginForm
from reports.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", campaign_views.health, name="health"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.web_manifest, name="web_manifest"),
    path("", include("sites.urls")),
    path("", include("reports.urls")),
    path("", include("campaign.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # A new account's set-password link (campaign.services.set_password_link).
    path(
        "accounts/set-password/<uidb64>/<token>/",
        login_not_required(
            auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/set-password/done/")
        ),
        name="password_set",
    ),
    path(
        "accounts/set-password/done/",
        login_not_required(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    # Open so the login page itself can switch language; it only sets a cookie.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
]

admin.site.login_form = AdminLoginForm
admin.site.site_header = admin.site.site_title = _("StreetVax administration")
