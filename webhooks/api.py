"""Webhook endpoints through the API: staff only (a staff person's session, or an API key created by staff).

An endpoint hears about every room of the deployment, so managing one is an operator's business."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.api.common import INVALID, UNAUTHENTICATED, error_response
from meetings.authentication import Service
from meetings.exceptions import ApiError
from webhooks import delivery
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, new_secret
from webhooks.serializers import DeliverySerializer, EndpointSerializer, EndpointWithSecretSerializer

NOT_STAFF = error_response("Only staff (or an API key created by staff) manage webhooks (`not-staff`).")
NO_ENDPOINT = error_response("No such endpoint (`not-found`).")
DELIVERIES_SHOWN = 100


def staff_user(request):
    """Return the staff user the caller is (or whose API key it holds), or raise 403 not-staff."""
    user = request.user.owner if isinstance(request.user, Service) else request.user
    if user is None or not user.is_active or not user.is_staff:
        raise ApiError(status.HTTP_403_FORBIDDEN, "not-staff", "Only staff may manage webhooks.")
    return user


def get_endpoint(endpoint_id):
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "There is no webhook endpoint with this id.")
    return endpoint


class EndpointListView(APIView):
    @extend_schema(operation_id="webhooks_list", summary="List webhook endpoints",
                   responses={200: EndpointSerializer(many=True), 401: UNAUTHENTICATED, 403: NOT_STAFF},
                   tags=["webhooks"])
    def get(self, request):
        staff_user(request)
        return Response(EndpointSerializer(Endpoint.objects.all(), many=True).data)

    @extend_schema(operation_id="webhooks_create", summary="Add a webhook endpoint",
                   description="The answer carries the signing secret: the only time it is shown.",
                   request=EndpointSerializer,
                   responses={201: EndpointWithSecretSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: NOT_STAFF},
                   tags=["webhooks"])
    def post(self, request):
        user = staff_user(request)
        serializer = EndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = serializer.save(created_by=user)
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailView(APIView):
    @extend_schema(operation_id="webhooks_retrieve", summary="Get a webhook endpoint",
                   responses={200: EndpointSerializer, 401: UNAUTHENTICATED, 403: NOT_STAFF, 404: NO_ENDPOINT},
                   tags=["webhooks"])
    def get(self, request, endpoint_id):
        staff_user(request)
        return Response(EndpointSerializer(get_endpoint(endpoint_id)).data)

    @extend_schema(operation_id="webhooks_partial_update", summary="Change a webhook endpoint",
                   description="`is_active: true` re-enables a disabled endpoint: its waiting deliveries are sent "
                   "at once.",
                   request=EndpointSerializer(partial=True),
                   responses={200: EndpointSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: NOT_STAFF,
                              404: NO_ENDPOINT},
                   tags=["webhooks"])
    def patch(self, request, endpoint_id):
        staff_user(request)
        endpoint = get_endpoint(endpoint_id)
        serializer = EndpointSerializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        active = changes.pop("is_active", None)
        for field, value in changes.items():
            setattr(endpoint, field, value)
        if changes:
            endpoint.save(update_fields=list(changes))
        if active is True and not endpoint.is_active:
            delivery.enable(endpoint)
        elif active is False and endpoint.is_active:
            delivery.disable(endpoint, "Disabled through the API.")
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_destroy", summary="Delete a webhook endpoint",
                   description="Its waiting deliveries and delivery log go with it.",
                   responses={204: None, 401: UNAUTHENTICATED, 403: NOT_STAFF, 404: NO_ENDPOINT}, tags=["webhooks"])
    def delete(self, request, endpoint_id):
        staff_user(request)
        get_endpoint(endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointSecretView(APIView):
    @extend_schema(operation_id="webhooks_rotate_secret", summary="Give a webhook endpoint a new secret",
                   description="The old secret stops signing at once; the answer carries the new one, shown this "
                   "once.", request=None,
                   responses={200: EndpointWithSecretSerializer, 401: UNAUTHENTICATED, 403: NOT_STAFF,
                              404: NO_ENDPOINT},
                   tags=["webhooks"])
    def post(self, request, endpoint_id):
        staff_user(request)
        endpoint = get_endpoint(endpoint_id)
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret"])
        return Response(EndpointWithSecretSerializer(endpoint).data)


class EndpointDeliveriesView(APIView):
    @extend_schema(operation_id="webhooks_deliveries_list", summary="A webhook endpoint's latest deliveries",
                   description=f"The latest {DELIVERIES_SHOWN}, newest first, each with its attempts.",
                   responses={200: DeliverySerializer(many=True), 401: UNAUTHENTICATED, 403: NOT_STAFF,
                              404: NO_ENDPOINT},
                   tags=["webhooks"])
    def get(self, request, endpoint_id):
        staff_user(request)
        endpoint = get_endpoint(endpoint_id)
        deliveries = (Delivery.objects.filter(endpoint=endpoint).select_related("event")
                      .prefetch_related(Prefetch("attempt_log", DeliveryAttempt.objects.order_by("-attempted_at")))
                      .order_by("-created", "-pk")[:DELIVERIES_SHOWN])
        return Response(DeliverySerializer(deliveries, many=True).data)
