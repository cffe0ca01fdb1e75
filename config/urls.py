from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from config.health import healthz
from observability.views import metrics_view

# The admin signs people in through allauth's pages: the same limits on wrong passwords (its own form counted
# nothing), single sign-on, MFA and OIDC_ONLY. A POST to its old form authenticates nobody.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico when a page names no icon (images, the API's pages).
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("metrics", metrics_view, name="metrics"),
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
