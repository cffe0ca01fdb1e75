"""Response headers Django does not send by itself."""

# What pages of Confer may use: the camera, the microphone and the screen for the room, full screen for a tile,
# sound without a click; and none of the rest.
PERMISSIONS_POLICY = ", ".join([
    "camera=(self)", "microphone=(self)", "display-capture=(self)", "fullscreen=(self)", "autoplay=(self)",
    "speaker-selection=(self)", "geolocation=()", "payment=()", "usb=()", "serial=()", "bluetooth=()",
    "midi=()", "magnetometer=()", "gyroscope=()", "accelerometer=()",
])


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
