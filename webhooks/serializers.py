from rest_framework import serializers

from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, DeliveryAttempt, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False, max_length=len(EVENT_TYPES),
        help_text="The event types it wants; an empty list (the default) means every event.",
    )
    state = serializers.SerializerMethodField(help_text="`active`, `failing` (every attempt lately failed) or "
                                                        "`disabled`.")
    secret_hint = serializers.CharField(read_only=True, help_text="The secret's first characters, to tell it apart.")

    class Meta:
        model = Endpoint
        fields = ["id", "name", "url", "event_types", "is_active", "state", "secret_hint", "failing_since",
                  "disabled_at", "disabled_reason", "created"]
        read_only_fields = ["id", "state", "secret_hint", "failing_since", "disabled_at", "disabled_reason", "created"]

    def get_state(self, endpoint) -> str:
        if not endpoint.is_active:
            return "disabled"
        return "failing" if endpoint.failing_since else "active"

    def validate_event_types(self, value):
        return sorted(set(value), key=EVENT_TYPES.index)


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret (`whsec_...`). Shown only in the "
                                                             "answer that creates or rotates it.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*EndpointSerializer.Meta.read_only_fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "succeeded", "status_code", "latency_ms", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.event_id", read_only=True)
    type = serializers.CharField(source="event.type", read_only=True)
    room = serializers.CharField(source="event.room_slug", read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event_id", "type", "room", "status", "attempts", "next_attempt_at", "last_status_code",
                  "last_error", "delivered_at", "created", "attempt_log"]
        read_only_fields = fields
