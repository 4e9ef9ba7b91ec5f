"""Generation jobs over the API: create (throttled), status with progress, list, cancel."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.api.serializers import EditableRelatedField
from campaigns.api.views import ScopedMixin
from campaigns.models import AdGroup, Campaign, GenerationJob
from campaigns.services.generation_jobs import MAX_PRODUCT_TEXT, GenerationJobError, cancel_job, create_job


class GenerationJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = GenerationJob
        fields = ["id", "organization", "campaign", "ad_group", "product_text", "status", "progress_percent",
                  "finished", "total_requests", "done_requests", "tokens_generated", "attempts", "error", "result",
                  "created_by", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class GenerationJobCreateSerializer(serializers.Serializer):
    campaign = EditableRelatedField("organization", queryset=Campaign.objects.all())
    ad_group = EditableRelatedField("campaign__organization", queryset=AdGroup.objects.all(), required=False,
                                    allow_null=True)
    product_text = serializers.CharField(max_length=MAX_PRODUCT_TEXT, allow_blank=True, required=False, default="",
                                         trim_whitespace=True)


class GenerationJobViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ask the local LLM for keyword and ad suggestions for a campaign (or one ad group), and watch the job."""

    queryset = GenerationJob.objects.order_by("-created_at", "-pk")
    serializer_class = GenerationJobSerializer
    throttle_scope = "generation"
    filterset_fields = ["organization", "campaign", "status"]

    def get_throttles(self):
        # Only starting a job is expensive; status polling must not eat the creation budget.
        return super().get_throttles() if self.action == "create" else []

    @extend_schema(request=GenerationJobCreateSerializer, responses={201: GenerationJobSerializer})
    def create(self, request: Request) -> Response:
        given = GenerationJobCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        campaign, ad_group = data["campaign"], data.get("ad_group")
        try:
            job = create_job(campaign.organization, campaign.pk, ad_group_id=ad_group.pk if ad_group else None,
                             product_text=data["product_text"], user=request.user)
        except GenerationJobError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={
        200: GenerationJobSerializer, 409: OpenApiResponse(description="The job has already finished.")})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()  # scoped and permission-checked
        try:
            cancelled = cancel_job(job)
        except GenerationJobError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(cancelled).data)
