from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("meetings.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("check/", include("signalling.urls")),
    path("", include("meetings.invite_urls")),
    path("", include("recordings.urls")),
    path("", include("meetings.urls")),
]
