"""REST API for analyses: definitions (owners write, members read), the current result and its status."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import selectors, services
from analysis.models import Analysis, ConfidenceMethod, EffectMeasure, HazardSource, PoolingMethod
from analysis.services.definitions import EDITABLE
from reviews.models import Role
from reviews.selectors.access import review_for_user


class AnalysisOutput(serializers.ModelSerializer):
    class Meta:
        model = Analysis
        fields = [
            "id",
            *EDITABLE,
            "is_default",
            "definition_version",
            "created_at",
        ]


class AnalysisInput(serializers.Serializer):
    outcome = serializers.IntegerField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    measure = serializers.ChoiceField(choices=EffectMeasure.choices, required=False)
    method = serializers.ChoiceField(choices=PoolingMethod.choices, required=False)
    confidence_method = serializers.ChoiceField(choices=ConfidenceMethod.choices, required=False)
    prediction_interval = serializers.BooleanField(required=False)
    subgroup = serializers.CharField(max_length=120, required=False, allow_blank=True)
    moderators = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=10
    )
    hazard_source = serializers.ChoiceField(choices=HazardSource.choices, required=False)
    one_stage_cox = serializers.BooleanField(required=False)
    time_column = serializers.CharField(max_length=60, required=False)
    event_column = serializers.CharField(max_length=60, required=False)
    interaction_covariates = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=10
    )


class AnalysisUpdateInput(AnalysisInput):
    outcome = serializers.IntegerField(required=False)


def _outcome(review, outcome_id: int):
    outcome = selectors.outcomes_of(review=review).filter(pk=outcome_id).first()
    if outcome is None:
        raise serializers.ValidationError({"outcome": "No such outcome in this review."})
    return outcome


class AnalysisListApi(APIView):
    @extend_schema(responses=AnalysisOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        return Response(AnalysisOutput(selectors.analyses_of(review=review), many=True).data)

    @extend_schema(request=AnalysisInput, responses={201: AnalysisOutput})
    def post(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        data = AnalysisInput(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        options["outcome"] = _outcome(review, options.pop("outcome"))
        analysis = services.analysis_create(review=review, user=request.user, **options)
        return Response(AnalysisOutput(analysis).data, status=status.HTTP_201_CREATED)


class AnalysisDetailApi(APIView):
    @extend_schema(responses=AnalysisOutput)
    def get(self, request, review_id: int, analysis_id: int):
        _, _, analysis = selectors.analysis_for_user(
            user=request.user, review_id=review_id, analysis_id=analysis_id
        )
        return Response(AnalysisOutput(analysis).data)

    @extend_schema(request=AnalysisUpdateInput, responses=AnalysisOutput)
    def patch(self, request, review_id: int, analysis_id: int):
        review, _, analysis = selectors.analysis_for_user(
            user=request.user, review_id=review_id, analysis_id=analysis_id, min_role=Role.OWNER
        )
        data = AnalysisUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "outcome" in changes:
            changes["outcome"] = _outcome(review, changes["outcome"])
        analysis = services.analysis_update(analysis=analysis, user=request.user, **changes)
        return Response(AnalysisOutput(analysis).data)

    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, analysis_id: int):
        _, _, analysis = selectors.analysis_for_user(
            user=request.user, review_id=review_id, analysis_id=analysis_id, min_role=Role.OWNER
        )
        services.analysis_delete(analysis=analysis, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _status(analysis):
    version = selectors.current_data_version(review_id=analysis.review_id)
    changed_at = selectors.last_change_at(review=analysis.review)
    return selectors.status_of(analysis=analysis, data_version=version, changed_at=changed_at)


class AnalysisResultApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request, review_id: int, analysis_id: int):
        """The current result with ``data_version`` and ``stale`` (true until the current data's result is in)."""
        _, _, analysis = selectors.analysis_for_user(
            user=request.user, review_id=review_id, analysis_id=analysis_id
        )
        return Response(selectors.result_payload(analysis=analysis, status=_status(analysis)))


class AnalysisStatusApi(APIView):
    @extend_schema(responses=dict)
    def get(self, request, review_id: int, analysis_id: int):
        _, _, analysis = selectors.analysis_for_user(
            user=request.user, review_id=review_id, analysis_id=analysis_id
        )
        return Response({"analysis_id": analysis.pk, **_status(analysis).as_dict()})
