"""Small helpers shared by the API tests."""

from datetime import datetime


def token_url(room_or_slug):
    slug = getattr(room_or_slug, "slug", room_or_slug)
    return f"/api/v1/rooms/{slug}/tokens/"


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
