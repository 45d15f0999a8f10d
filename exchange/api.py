"""REST entry point for agency systems: POST a batch of records, get counts and per-row errors back.

Authentication is the staff account (session or HTTP Basic) holding `exchange.add_importbatch`.
Scoped per-agency credentials (an API client bound to its source systems) come with a later issue;
until then any holder of the permission may post for any source system.
"""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.models import ImportBatch
from exchange.selectors import batch_row_errors
from exchange.services import batch_ingest
from reference.models import SourceSystem

MAX_RECORDS_PER_REQUEST = 10_000


class CanIngestRecords(BasePermission):
    message = "Posting records needs the permission exchange.add_importbatch."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.has_perm("exchange.add_importbatch")


class RecordsIngestApi(APIView):
    authentication_classes = [SessionAuthentication, BasicAuthentication]
    permission_classes = [IsAuthenticated, CanIngestRecords]

    class InputSerializer(serializers.Serializer):
        source_system = serializers.SlugRelatedField(
            slug_field="code", queryset=SourceSystem.objects.filter(is_active=True), required=False, allow_null=True
        )
        records = serializers.ListField(
            child=serializers.DictField(), allow_empty=False, max_length=MAX_RECORDS_PER_REQUEST
        )

    class OutputSerializer(serializers.Serializer):
        batch_id = serializers.IntegerField(source="pk")
        received = serializers.IntegerField(source="received_count")
        accepted = serializers.IntegerField(source="accepted_count")
        duplicate = serializers.IntegerField(source="duplicate_count")
        quarantined = serializers.IntegerField(source="quarantined_count")

    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        system = serializer.validated_data.get("source_system")
        batch = batch_ingest(
            rows=serializer.validated_data["records"],
            origin=ImportBatch.Origin.API,
            source_system=system.pk if system else None,
            user=request.user,
        )
        body = {**self.OutputSerializer(batch).data, "errors": batch_row_errors(batch=batch)}
        return Response(body, status=status.HTTP_201_CREATED)
