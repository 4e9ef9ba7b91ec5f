"""Generation jobs over the API: create (throttled), status with progress, list, cancel; a job's detail adds each
ad group's ad preview and ad strength, and every job lists the generated lines not suggested and why."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from campaigns.api.serializers import EditableRelatedField
from campaigns.api.views import ScopedMixin
from campaigns.models import AdGroup, Campaign, GenerationJob
from campaigns.services.ad_labels import dropped_data, strength_data
from campaigns.services.ad_previews import previews
from campaigns.services.generation_jobs import (
    MAX_POINT_LENGTH,
    MAX_PRODUCT_TEXT,
    MAX_SELLING_POINTS,
    GenerationJobError,
    cancel_job,
    create_job,
)
from ml.ad_strength import HINT_CODES, LEVELS


class DroppedLineSerializer(serializers.Serializer):
    """A generated line that was not suggested, and why."""

    ad_group = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(help_text="headlines, descriptions or keywords")
    index = serializers.IntegerField(allow_null=True, help_text="the line's place in the model's list, if known")
    text = serializers.CharField(allow_blank=True, help_text="the line, when known")
    reason = serializers.CharField(
        help_text="a stable code: too_long, duplicate, off_topic, all_caps, canary, cut, "
        "dangling, invented_number, invented_claim, example_copy, repeated_word, "
        "fragment, wrong_language, …"
    )
    reason_text = serializers.CharField(help_text="the reason in the marketer's words, in the request's language")
    detail = serializers.CharField(allow_blank=True, help_text="the check's own detail, in English")


class StrengthHintSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=HINT_CODES)
    count = serializers.IntegerField()
    message = serializers.CharField()


class AdStrengthSerializer(serializers.Serializer):
    """Ad strength as ``ml.ad_strength`` computes it (docs/generation.md, "Previews, ad strength and …")."""

    level = serializers.ChoiceField(choices=LEVELS)
    level_label = serializers.CharField(help_text="the level in the request's language")
    score = serializers.IntegerField(min_value=0, max_value=100)
    hints = StrengthHintSerializer(many=True)


class AdPreviewSerializer(serializers.Serializer):
    """One ad group's ad as Google shows it: the proposed ad, new lines first."""

    display_url = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True, help_text="the first three headlines joined by ' | '")
    descriptions = serializers.ListField(child=serializers.CharField(), help_text="the first two descriptions")
    new_headlines = serializers.ListField(child=serializers.CharField())
    new_descriptions = serializers.ListField(child=serializers.CharField())


class AdGroupResultSerializer(serializers.Serializer):
    ad_group = serializers.IntegerField()
    ad_group_name = serializers.CharField()
    preview = AdPreviewSerializer()
    strength = AdStrengthSerializer(help_text="of the approved assets: the ad group's ad as it is")
    proposed_strength = AdStrengthSerializer(help_text="with every pending generated line approved")


class GenerationJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(read_only=True)
    dropped = serializers.SerializerMethodField()

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "organization",
            "campaign",
            "ad_group",
            "product_text",
            "selling_points",
            "brand_terms",
            "status",
            "progress_percent",
            "finished",
            "total_requests",
            "done_requests",
            "tokens_generated",
            "attempts",
            "error",
            "result",
            "dropped",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DroppedLineSerializer(many=True))
    def get_dropped(self, job: GenerationJob) -> list[dict[str, Any]]:
        return [dropped_data(entry) for entry in job.dropped]


class GenerationJobDetailSerializer(GenerationJobSerializer):
    """A job with, per ad group it has finished, the ad's preview and its ad strength now and as proposed."""

    ads = serializers.SerializerMethodField()

    class Meta(GenerationJobSerializer.Meta):
        fields = [*GenerationJobSerializer.Meta.fields, "ads"]
        read_only_fields = fields

    @extend_schema_field(AdGroupResultSerializer(many=True))
    def get_ads(self, job: GenerationJob) -> list[dict[str, Any]]:
        return [
            {
                "ad_group": preview.ad_group_id,
                "ad_group_name": preview.ad_group_name,
                "preview": {
                    "display_url": preview.display_url,
                    "title": preview.title,
                    "descriptions": preview.descriptions,
                    "new_headlines": preview.pending_headlines,
                    "new_descriptions": preview.pending_descriptions,
                },
                "strength": strength_data(preview.approved),
                "proposed_strength": strength_data(preview.proposed),
            }
            for preview in previews(job.campaign, job.result.get("done_ad_groups", []))
        ]


class GenerationJobCreateSerializer(serializers.Serializer):
    campaign = EditableRelatedField("organization", queryset=Campaign.objects.all())
    ad_group = EditableRelatedField(
        "campaign__organization", queryset=AdGroup.objects.all(), required=False, allow_null=True
    )
    product_text = serializers.CharField(
        max_length=MAX_PRODUCT_TEXT, allow_blank=True, required=False, default="", trim_whitespace=True
    )
    selling_points = serializers.ListField(
        child=serializers.CharField(max_length=MAX_POINT_LENGTH),
        required=False,
        default=list,
        max_length=MAX_SELLING_POINTS,
    )
    brand_terms = serializers.ListField(
        child=serializers.CharField(max_length=MAX_POINT_LENGTH),
        required=False,
        default=list,
        max_length=MAX_SELLING_POINTS,
    )


class GenerationJobViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ask the local LLM for keyword and ad suggestions for a campaign (or one ad group), and watch the job."""

    queryset = GenerationJob.objects.order_by("-created_at", "-pk")
    serializer_class = GenerationJobSerializer
    throttle_scope = "generation"
    filterset_fields = ["organization", "campaign", "status"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        # Previews and ad strength cost a few queries per job: on the one job asked for, not on every listed one.
        return GenerationJobDetailSerializer if self.action == "retrieve" else GenerationJobSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        # Only starting a job is expensive; status polling must not eat the creation budget.
        return super().get_throttles() if self.action == "create" else []

    @extend_schema(request=GenerationJobCreateSerializer, responses={201: GenerationJobSerializer})
    def create(self, request: Request) -> Response:
        given = GenerationJobCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        campaign, ad_group = data["campaign"], data.get("ad_group")
        try:
            job = create_job(
                campaign.organization,
                campaign.pk,
                ad_group_id=ad_group.pk if ad_group else None,
                product_text=data["product_text"],
                selling_points=data["selling_points"],
                brand_terms=data["brand_terms"],
                user=request.user,
            )
        except GenerationJobError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: GenerationJobSerializer, 409: OpenApiResponse(description="The job has already finished.")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()  # scoped and permission-checked
        try:
            cancelled = cancel_job(job)
        except GenerationJobError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(cancelled).data)
