"""Who is calling the API: a signed-in person (session cookie + CSRF) or a service (`Authorization: Api-Key <key>`)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from meetings.models import ApiKey, hash_api_key

API_KEY_SCHEME = "Api-Key"
# Writing last_used on every request would turn each read into a write; once a minute is enough to audit keys.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Service:
    """The caller when a request carries an API key: the service holding it, acting for the key's creator."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, api_key):
        self.api_key = api_key
        self.pk = None

    @property
    def owner(self):
        """Return the user whose rooms this service manages, or None when the key has no creator."""
        return self.api_key.created_by

    def __str__(self):
        return f"service {self.api_key}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Api-Key <key>`; request.user becomes a Service and request.auth the ApiKey."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != API_KEY_SCHEME.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as `Authorization: Api-Key <key>`.", code="api-key-malformed"
            )
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.", code="api-key-invalid") from None
        api_key = ApiKey.objects.select_related("created_by").filter(hashed_key=hash_api_key(raw_key)).first()
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid.", code="api-key-invalid")
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("The API key has been revoked.", code="api-key-revoked")
        if api_key.created_by is not None and not api_key.created_by.is_active:
            raise exceptions.AuthenticationFailed("The API key's owner is deactivated.", code="api-key-revoked")
        self.mark_used(api_key)
        return Service(api_key), api_key

    def authenticate_header(self, request):
        return f'{API_KEY_SCHEME} realm="api"'

    @staticmethod
    def mark_used(api_key):
        now = timezone.now()
        if api_key.last_used is None or now - api_key.last_used > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used=now)
            api_key.last_used = now


class CsrfFailed(exceptions.PermissionDenied):
    default_code = "csrf-failed"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with its CSRF refusal named `csrf-failed` instead of a bare permission error."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise CsrfFailed(str(error.detail)) from None


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describe the API key to drf-spectacular, so the schema and /api/docs/ offer it."""

    target_class = "meetings.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A service's API key, sent as `Authorization: Api-Key <key>`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """Describe the session cookie (with its CSRF header for writes) to drf-spectacular."""

    target_class = "meetings.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A signed-in session; POST, PATCH and DELETE also need the `X-CSRFToken` header.",
        }
