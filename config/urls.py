from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from config.admin_login import admin_login
from config.health import healthz

# The admin signs people in through the site's own sign-in (allauth): the same limits on wrong passwords, and
# the same second factor where one is set up. Its own form, which counted nothing, is not served.
admin.site.login = admin_login

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
    path("", include("meetings.urls")),
]
