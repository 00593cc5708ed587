"""REST API of screening and PRISMA: validate, call one service or selector, serialize.

Blind: what a reviewer gets back (next record, decision, undo, progress) is the same whether a
record waits for other reviewers or is in conflict (``reviews.screening_rules``); conflicts,
agreement and adjudication are owner-only.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.models import (
    Decision,
    ExclusionReason,
    PrismaManualCounts,
    Record,
    Role,
    ScreeningDecision,
    Stage,
)
from reviews.screening_rules import PRISMA_COUNT_MAX, sees_conflicts
from reviews.screening_rules import stage_from_slug as _stage
from reviews.selectors import review_for_user
from reviews.selectors import screening as screening_selectors
from reviews.selectors.prisma import prisma_counts
from reviews.services import screening as screening_services


class ScreeningRecordOutput(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["id", "title", "abstract", "authors", "year", "journal", "doi", "pmid", "url", "keywords"]


class ProgressOutput(serializers.Serializer):
    done = serializers.IntegerField()
    remaining = serializers.IntegerField()


class OtherDecisionOutput(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username")
    exclusion_reason = serializers.CharField(source="exclusion_reason.label", default=None)

    class Meta:
        model = ScreeningDecision
        fields = ["reviewer", "decision", "exclusion_reason"]


class NextRecordOutput(serializers.Serializer):
    stage = serializers.CharField()
    record = ScreeningRecordOutput(allow_null=True)
    progress = ProgressOutput()
    others = OtherDecisionOutput(many=True, help_text="Other reviewers' decisions; always empty when blind.")


class DecisionInput(serializers.Serializer):
    record = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    exclusion_reason = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class MyDecisionOutput(serializers.ModelSerializer):
    exclusion_reason = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ScreeningDecision
        fields = ["record", "stage", "decision", "exclusion_reason", "note"]


class DecisionOutput(serializers.Serializer):
    decision = MyDecisionOutput()
    progress = ProgressOutput()


class UndoOutput(serializers.Serializer):
    undone_record = serializers.IntegerField(allow_null=True)
    progress = ProgressOutput()


class ConflictOutput(serializers.ModelSerializer):
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = ["id", "title", "year", "status", "decisions"]

    def get_decisions(self, record) -> list[dict]:
        return [
            {
                "stage": d.stage,
                "reviewer": d.reviewer.username,
                "decision": d.decision,
                "exclusion_reason": d.exclusion_reason.label if d.exclusion_reason else None,
                "note": d.note,
            }
            for d in record.decisions.all()
        ]


class AdjudicationInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    decision = serializers.ChoiceField(choices=Decision.choices)
    exclusion_reason = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AdjudicationOutput(serializers.Serializer):
    record = serializers.IntegerField(source="record_id")
    stage = serializers.CharField()
    decision = serializers.CharField()
    exclusion_reason = serializers.IntegerField(source="exclusion_reason_id", allow_null=True)
    note = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username")
    record_status = serializers.CharField(source="record.status")


class ReasonOutput(serializers.ModelSerializer):
    class Meta:
        model = ExclusionReason
        fields = ["id", "label", "stage", "position", "active"]


class ReasonInput(serializers.Serializer):
    label = serializers.CharField(max_length=200)
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.FULL_TEXT)


class ReasonUpdateInput(serializers.Serializer):
    label = serializers.CharField(max_length=200, required=False)
    active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class AgreementOutput(serializers.Serializer):
    stage = serializers.CharField()
    reviewer_a = serializers.CharField()
    reviewer_b = serializers.CharField()
    records = serializers.IntegerField()
    agreed = serializers.IntegerField()
    percent_agreement = serializers.FloatField(allow_null=True)
    kappa = serializers.FloatField(allow_null=True)
    table = serializers.DictField()


class TermsSerializer(serializers.Serializer):
    include_terms = serializers.ListField(child=serializers.CharField(max_length=100), max_length=200)
    exclude_terms = serializers.ListField(child=serializers.CharField(max_length=100), max_length=200)


class ManualCountsSerializer(serializers.Serializer):
    duplicates_removed_before_import = serializers.IntegerField(min_value=0, max_value=PRISMA_COUNT_MAX)
    removed_by_automation = serializers.IntegerField(min_value=0, max_value=PRISMA_COUNT_MAX)
    removed_other_reasons = serializers.IntegerField(min_value=0, max_value=PRISMA_COUNT_MAX)


def _progress(review, user, stage) -> dict:
    progress = screening_selectors.my_progress(review=review, user=user, stage=stage)
    return {"done": progress.done, "remaining": progress.remaining}


def _reason(review, value):
    if value is None:
        return None
    try:
        return screening_selectors.exclusion_reason_of_review(review=review, reason_id=value)
    except Http404:
        raise serializers.ValidationError({"exclusion_reason": "No such reason in this review."}) from None


def _screener(request, review_id):
    return review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)


def _owner(request, review_id):
    return review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)


class NextRecordApi(APIView):
    @extend_schema(responses=NextRecordOutput, summary="The next record for me at a stage, and my progress")
    def get(self, request, review_id: int, stage_slug: str):
        stage = _stage(stage_slug)
        review, _ = _screener(request, review_id)
        record = screening_selectors.next_record_for(review=review, user=request.user, stage=stage)
        others = (
            screening_selectors.others_decisions(review=review, user=request.user, record=record, stage=stage)
            if record
            else []
        )
        return Response(
            NextRecordOutput(
                {
                    "stage": stage,
                    "record": record,
                    "progress": _progress(review, request.user, stage),
                    "others": others,
                }
            ).data
        )


class DecisionApi(APIView):
    @extend_schema(request=DecisionInput, responses={201: DecisionOutput}, summary="Record my decision")
    def post(self, request, review_id: int, stage_slug: str):
        stage = _stage(stage_slug)
        review, _ = _screener(request, review_id)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        screening_selectors.record_in_review(review=review, record_id=data.validated_data["record"])
        decision = screening_services.record_decision(
            review=review,
            record_id=data.validated_data["record"],
            reviewer=request.user,
            stage=stage,
            decision=data.validated_data["decision"],
            exclusion_reason=_reason(review, data.validated_data.get("exclusion_reason")),
            note=data.validated_data["note"],
        )
        # Only my own decision and progress: whether it resolved the record stays hidden (blind).
        body = {
            "decision": MyDecisionOutput(decision).data,
            "progress": _progress(review, request.user, stage),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class UndoApi(APIView):
    @extend_schema(request=None, responses=UndoOutput, summary="Withdraw my last decision at a stage")
    def post(self, request, review_id: int, stage_slug: str):
        stage = _stage(stage_slug)
        review, _ = _screener(request, review_id)
        record_id = screening_services.undo_last_decision(review=review, reviewer=request.user, stage=stage)
        return Response({"undone_record": record_id, "progress": _progress(review, request.user, stage)})


class ProgressApi(APIView):
    @extend_schema(responses=ProgressOutput, summary="My progress at a stage")
    def get(self, request, review_id: int, stage_slug: str):
        stage = _stage(stage_slug)
        review, _ = _screener(request, review_id)
        return Response(_progress(review, request.user, stage))


class ConflictListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("stage", enum=Stage.values, required=False)],
        responses=ConflictOutput(many=True),
        summary="Records in conflict with every decision (owners)",
    )
    def get(self, request, review_id: int):
        review, _ = _owner(request, review_id)
        stage = request.query_params.get("stage") or None
        if stage is not None and stage not in Stage.values:
            raise serializers.ValidationError({"stage": f"Choose one of {', '.join(Stage.values)}."})
        return Response(
            ConflictOutput(screening_selectors.conflicts(review=review, stage=stage), many=True).data
        )


class AdjudicationApi(APIView):
    @extend_schema(
        request=AdjudicationInput, responses={201: AdjudicationOutput}, summary="Resolve a conflict"
    )
    def post(self, request, review_id: int, record_id: int):
        review, _ = _owner(request, review_id)
        screening_selectors.record_in_review(review=review, record_id=record_id)
        data = AdjudicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        adjudication = screening_services.adjudicate(
            review=review,
            record_id=record_id,
            stage=data.validated_data["stage"],
            decision=data.validated_data["decision"],
            decided_by=request.user,
            exclusion_reason=_reason(review, data.validated_data.get("exclusion_reason")),
            note=data.validated_data["note"],
        )
        return Response(AdjudicationOutput(adjudication).data, status=status.HTTP_201_CREATED)


class ReasonListApi(APIView):
    @extend_schema(responses=ReasonOutput(many=True), summary="The review's exclusion reasons")
    def get(self, request, review_id: int):
        review, _ = _screener(request, review_id)
        reasons = [
            *screening_selectors.exclusion_reasons(review=review, stage=Stage.TITLE_ABSTRACT),
            *screening_selectors.exclusion_reasons(review=review, stage=Stage.FULL_TEXT),
        ]
        return Response(ReasonOutput(reasons, many=True).data)

    @extend_schema(request=ReasonInput, responses={201: ReasonOutput}, summary="Add a reason (owners)")
    def post(self, request, review_id: int):
        review, _ = _owner(request, review_id)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        reason = screening_services.exclusion_reason_create(review=review, **data.validated_data)
        return Response(ReasonOutput(reason).data, status=status.HTTP_201_CREATED)


class ReasonDefaultsApi(APIView):
    @extend_schema(
        request=None, responses={201: ReasonOutput(many=True)}, summary="Add the suggested reasons"
    )
    def post(self, request, review_id: int):
        review, _ = _owner(request, review_id)
        reasons = screening_services.exclusion_reasons_add_defaults(review=review)
        return Response(ReasonOutput(reasons, many=True).data, status=status.HTTP_201_CREATED)


class ReasonDetailApi(APIView):
    @extend_schema(
        request=ReasonUpdateInput, responses=ReasonOutput, summary="Rename, retire or move a reason"
    )
    def patch(self, request, review_id: int, reason_id: int):
        review, _ = _owner(request, review_id)
        reason = screening_selectors.exclusion_reason_of_review(review=review, reason_id=reason_id)
        data = ReasonUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        if "label" in changes or "active" in changes:
            reason = screening_services.exclusion_reason_update(
                reason=reason, label=changes.get("label"), active=changes.get("active")
            )
        if "position" in changes:
            reason = screening_services.exclusion_reason_move(reason=reason, position=changes["position"])
        return Response(ReasonOutput(reason).data)


class AgreementApi(APIView):
    @extend_schema(responses=AgreementOutput(many=True), summary="Cohen's kappa per pair and stage (owners)")
    def get(self, request, review_id: int):
        review, _ = _owner(request, review_id)
        return Response(AgreementOutput(screening_selectors.agreement(review=review), many=True).data)


class TermsApi(APIView):
    @extend_schema(responses=TermsSerializer, summary="Terms highlighted on the screening page")
    def get(self, request, review_id: int):
        review, _ = _screener(request, review_id)
        terms = screening_selectors.highlight_terms(review=review)
        return Response({"include_terms": terms.include, "exclude_terms": terms.exclude})

    @extend_schema(request=TermsSerializer, responses=TermsSerializer, summary="Set highlight terms (owners)")
    def put(self, request, review_id: int):
        review, _ = _owner(request, review_id)
        data = TermsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening_services.screening_settings_update(
            review=review,
            include_terms="\n".join(data.validated_data["include_terms"]),
            exclude_terms="\n".join(data.validated_data["exclude_terms"]),
        )
        terms = screening_selectors.highlight_terms(review=review)
        return Response({"include_terms": terms.include, "exclude_terms": terms.exclude})


class PrismaApi(APIView):
    @extend_schema(responses=dict, summary="Every box of the PRISMA 2020 flow diagram")
    def get(self, request, review_id: int):
        review, membership = review_for_user(user=request.user, review_id=review_id)
        return Response(prisma_counts(review=review, include_conflicts=sees_conflicts(membership.role)))


class PrismaManualCountsApi(APIView):
    @extend_schema(responses=ManualCountsSerializer, summary="PRISMA counts entered by hand")
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        counts = PrismaManualCounts.objects.filter(review=review).first() or PrismaManualCounts(review=review)
        return Response(ManualCountsSerializer(counts).data)

    @extend_schema(
        request=ManualCountsSerializer, responses=ManualCountsSerializer, summary="Enter them (owners)"
    )
    def put(self, request, review_id: int):
        review, _ = _owner(request, review_id)
        data = ManualCountsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counts = screening_services.prisma_manual_counts_update(
            review=review, updated_by=request.user, **data.validated_data
        )
        return Response(ManualCountsSerializer(counts).data)
