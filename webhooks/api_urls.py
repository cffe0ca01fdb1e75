"""Included by meetings/api_urls.py under /api/: the webhook endpoints (docs/api.md)."""

from django.urls import path

from webhooks import api

urlpatterns = [
    path("v1/webhooks/", api.EndpointListView.as_view(), name="api-webhooks"),
    path("v1/webhooks/<db_id:endpoint_id>/", api.EndpointDetailView.as_view(), name="api-webhook"),
    path("v1/webhooks/<db_id:endpoint_id>/secret/", api.EndpointSecretView.as_view(), name="api-webhook-secret"),
    path("v1/webhooks/<db_id:endpoint_id>/deliveries/", api.EndpointDeliveriesView.as_view(),
         name="api-webhook-deliveries"),
]
