from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("meetings.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("check/", include("signalling.urls")),
    path("", include("meetings.invite_urls")),
    path("", include("meetings.urls")),
]
