"""Budget plans (list, approve = apply, reject) and the audit of applied changes (list, roll back)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.api.schema import CONFLICT
from campaigns.api.views import ScopedMixin
from campaigns.models import BudgetChange, BudgetPlan, BudgetPlanItem
from campaigns.services import rebalancing


class BudgetPlanItemSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)

    class Meta:
        model = BudgetPlanItem
        fields = [
            "campaign",
            "campaign_name",
            "before_micros",
            "proposed_micros",
            "after_micros",
            "reasons",
            "posterior",
            "propensity",
            "forced_cut",
        ]


class BudgetPlanSerializer(serializers.ModelSerializer):
    items = BudgetPlanItemSerializer(many=True, read_only=True)

    class Meta:
        model = BudgetPlan
        fields = [
            "id",
            "organization",
            "plan_date",
            "version",
            "status",
            "mode",
            "total_micros",
            "policy",
            "notes",
            "created_at",
            "decided_by",
            "items",
        ]


class BudgetChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetChange
        fields = [
            "id",
            "organization",
            "campaign",
            "plan",
            "plan_date",
            "plan_version",
            "kind",
            "before_micros",
            "after_micros",
            "actor",
            "user",
            "reasons",
            "posterior",
            "propensity",
            "platform_response",
            "created_at",
        ]


def _refused(exc: Exception) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class BudgetPlanViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = BudgetPlan.objects.prefetch_related("items__campaign").order_by("-plan_date", "-version")
    serializer_class = BudgetPlanSerializer
    filterset_fields = ["organization", "status", "plan_date"]

    @extend_schema(request=None, responses={200: BudgetPlanSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve and apply the plan (under the invariants, exactly once). Refused with 409, changing nothing,
        while the organization's budget mode is dry run (show only) or a kill switch is engaged."""
        plan = self.get_object()
        try:
            plan = rebalancing.apply(plan.pk, user=request.user)
        except rebalancing.RebalanceError as exc:
            return _refused(exc)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(request=None, responses={200: BudgetPlanSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        try:
            rebalancing.reject(plan.pk, user=request.user)
        except rebalancing.RebalanceError as exc:
            return _refused(exc)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)


class BudgetChangeViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The append-only audit; a rollback adds a new change that passes the same checks."""

    queryset = BudgetChange.objects.order_by("-created_at", "-pk")
    serializer_class = BudgetChangeSerializer
    filterset_fields = ["organization", "campaign", "kind", "plan_date"]

    @extend_schema(request=None, responses={201: BudgetChangeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def rollback(self, request: Request, pk: str | None = None) -> Response:
        change = self.get_object()
        try:
            rolled = rebalancing.rollback(change.pk, user=request.user)
        except rebalancing.RebalanceError as exc:
            return _refused(exc)
        return Response(self.get_serializer(rolled).data, status=status.HTTP_201_CREATED)
