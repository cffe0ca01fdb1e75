"""What goes in and out of the REST API (docs/api.md)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from meetings.models import Invite, Room
from meetings.tokens import ROLES
from signalling.contract import HIDDEN_ROLES

IDENTITY_PATTERN = r"^[A-Za-z0-9._:@+\-]{1,128}$"


class RoomSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    url = serializers.SerializerMethodField(help_text="The room's page, where people join.")
    has_password = serializers.BooleanField(read_only=True, help_text="Whether joining needs the room's password.")
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=128, trim_whitespace=False,
        help_text="Set the room's password; an empty string removes it. Only a hash is kept; never returned.",
    )

    class Meta:
        model = Room
        fields = ["slug", "name", "access", "max_participants", "is_locked", "requires_approval", "has_password",
                  "password", "media_route", "owner", "created", "url"]
        read_only_fields = ["slug", "owner", "created", "url", "has_password"]

    def get_url(self, room) -> str:
        request = self.context.get("request")
        path = room.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class RoomCreateSerializer(RoomSerializer):
    class Meta(RoomSerializer.Meta):
        fields = [name for name in RoomSerializer.Meta.fields if name != "password"]
        read_only_fields = [*RoomSerializer.Meta.read_only_fields, "is_locked", "requires_approval"]


class RoomSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["slug", "name", "access", "max_participants", "is_locked"]
        read_only_fields = fields


# The roles a service may hand out: every visible one. A recorder is hidden, so only the recording service (which
# tells everyone in the room) makes recorder tokens.
SERVICE_ROLES = tuple(role for role in ROLES if role not in HIDDEN_ROLES)


@extend_schema_serializer(component_name="ServiceToken")
class ServiceTokenRequestSerializer(serializers.Serializer):
    """What a service names when it asks for a token for one of its own users."""

    identity = serializers.RegexField(
        IDENTITY_PATTERN,
        help_text="The service's own stable id for this person (letters, digits and . _ : @ + -). "
        "The token's `sub` becomes `ext:<api key id>:<identity>`.",
    )
    name = serializers.CharField(max_length=64, help_text="What others in the room see.")
    role = serializers.ChoiceField(choices=SERVICE_ROLES, default="participant",
                                   help_text="Not `recorder`: a hidden listener is made only by Confer's recorder.")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="A room token (JWT, HS256) to send in the WebSocket `join` message.")
    expires_at = serializers.DateTimeField(help_text="When the token stops being accepted (ISO 8601, UTC).")
    websocket_url = serializers.CharField(help_text="Where to open the signalling WebSocket.")
    identity = serializers.CharField(help_text="The token's `sub`: `user:<id>`, `guest:<random>` or `ext:<key>:<id>`.")
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=ROLES)
    room = RoomSummarySerializer()


class ParticipantSerializer(serializers.Serializer):
    """A participant as peers see it in rosters (signalling.wire.describe, docs/protocol.md)."""

    peer_id = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=ROLES)
    joined_at = serializers.CharField(help_text="ISO 8601, UTC, milliseconds.")
    audio = serializers.BooleanField(help_text="Sending sound.")
    video = serializers.BooleanField(help_text="Sending camera video.")
    screen = serializers.BooleanField(help_text="Sharing a screen.")
    hand = serializers.BooleanField(help_text="Hand raised.")
    hand_raised_at = serializers.CharField(allow_null=True, help_text="When the hand went up (ISO 8601); null while down.")
    connected = serializers.BooleanField(help_text="False while its socket is down and its seat is kept for it.")


class MuteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["audio", "video", "screen"], help_text="Which source to turn off.")


class InviteSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The link to hand to guests.")
    is_usable = serializers.SerializerMethodField()
    room = serializers.CharField(source="room.slug", read_only=True)

    class Meta:
        model = Invite
        fields = ["id", "room", "url", "created", "expires_at", "revoked_at", "is_usable"]
        read_only_fields = ["id", "room", "url", "created", "revoked_at", "is_usable"]

    def get_url(self, invite) -> str:
        request = self.context.get("request")
        path = invite.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_is_usable(self, invite) -> bool:
        return invite.is_usable()

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("An invite must expire in the future.", code="in-the-past")
        return value


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What went wrong, as a stable kebab-case name (docs/api.md).")
    detail = serializers.CharField(help_text="A message for people.")
    errors = serializers.DictField(
        required=False, help_text="Invalid input only: the messages by field.", child=serializers.JSONField()
    )
    retry_after = serializers.IntegerField(required=False, help_text="Throttled only: seconds to wait.")
