"""REST API for the extraction form, outcomes, studies, arms and comparisons."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import CappedLimitOffsetPagination, paginate
from extraction import selectors, services
from extraction.models import Arm, Comparison, ExtractionField, FieldKind, FieldLevel, Outcome, OutcomeKind
from extraction.selectors.analysis_input import analysis_rows, data_version
from reviews.models import Role
from reviews.selectors import review_for_user

from .common import conflict_response


class FieldOutput(serializers.ModelSerializer):
    class Meta:
        model = ExtractionField
        fields = ["id", "level", "name", "kind", "choices", "unit", "required", "position"]


class FieldInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    level = serializers.ChoiceField(choices=FieldLevel.choices, default=FieldLevel.STUDY)
    kind = serializers.ChoiceField(choices=FieldKind.choices, default=FieldKind.TEXT)
    choices = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    required = serializers.BooleanField(required=False, default=False)


class OutcomeOutput(serializers.ModelSerializer):
    class Meta:
        model = Outcome
        fields = ["id", "name", "kind", "time_point", "position"]


class OutcomeInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OutcomeKind.choices)
    time_point = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ArmOutput(serializers.ModelSerializer):
    class Meta:
        model = Arm
        fields = ["id", "label", "intervention", "dose", "n_randomised", "position", "version"]


class ComparisonOutput(serializers.ModelSerializer):
    experimental = serializers.CharField(source="experimental.label")
    control = serializers.CharField(source="control.label")

    class Meta:
        model = Comparison
        fields = ["id", "experimental_id", "experimental", "control_id", "control", "position"]


class StudyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    status = serializers.CharField()
    record_ids = serializers.SerializerMethodField()
    extractors = serializers.ListField(child=serializers.DictField(), required=False)

    def get_record_ids(self, study) -> list[int]:
        return [record.pk for record in study.records.all()]


class StudyDetailOutput(StudyOutput):
    arms = ArmOutput(many=True, source="arms.all")
    comparisons = ComparisonOutput(many=True, source="comparisons.all")


class StudyInput(serializers.Serializer):
    label = serializers.CharField(max_length=200)
    record_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class StudyRenameInput(serializers.Serializer):
    label = serializers.CharField(max_length=200)


class RecordLinkInput(serializers.Serializer):
    record_id = serializers.IntegerField()


class ArmInput(serializers.Serializer):
    label = serializers.CharField(max_length=120)
    intervention = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    dose = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    n_randomised = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class ArmUpdateInput(serializers.Serializer):
    based_on_version = serializers.IntegerField(min_value=0)
    label = serializers.CharField(max_length=120, required=False)
    intervention = serializers.CharField(max_length=300, required=False, allow_blank=True)
    dose = serializers.CharField(max_length=120, required=False, allow_blank=True)
    n_randomised = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ComparisonInput(serializers.Serializer):
    experimental_id = serializers.IntegerField()
    control_id = serializers.IntegerField()


def _valid(serializer_class, request, **kwargs):
    data = serializer_class(data=request.data, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


class FieldListApi(APIView):
    @extend_schema(responses=FieldOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        return Response(FieldOutput(review.extraction_fields.all(), many=True).data)

    @extend_schema(request=FieldInput, responses={201: FieldOutput})
    def post(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        field = services.field_create(review=review, user=request.user, **_valid(FieldInput, request))
        return Response(FieldOutput(field).data, status=status.HTTP_201_CREATED)


class FieldDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, field_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        services.field_delete(field=selectors.field_of(review=review, field_id=field_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutcomeListApi(APIView):
    @extend_schema(responses=OutcomeOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        return Response(OutcomeOutput(review.outcomes.all(), many=True).data)

    @extend_schema(request=OutcomeInput, responses={201: OutcomeOutput})
    def post(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        outcome = services.outcome_create(review=review, user=request.user, **_valid(OutcomeInput, request))
        return Response(OutcomeOutput(outcome).data, status=status.HTTP_201_CREATED)


class OutcomeDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, outcome_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        outcome = selectors.outcome_of(review=review, outcome_id=outcome_id)
        services.outcome_delete(outcome=outcome, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutcomeAnalysisInputApi(APIView):
    """The analysis-ready rows of one outcome (consensus or single values) and the data version."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, review_id: int, outcome_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        outcome = selectors.outcome_of(review=review, outcome_id=outcome_id)
        version = data_version(review_id=review.pk)
        rows = analysis_rows(review_id=review.pk, outcome_id=outcome.pk)
        return Response({"outcome": OutcomeOutput(outcome).data, "data_version": version, "rows": rows})


class StudyListApi(APIView):
    pagination_class = CappedLimitOffsetPagination

    @extend_schema(responses=StudyOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        studies = selectors.studies_with_status(review=review)
        return paginate(
            request=request,
            view=self,
            queryset=studies,
            serialize=lambda page: StudyOutput(page, many=True).data,
        )

    @extend_schema(request=StudyInput, responses={201: StudyDetailOutput})
    def post(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
        study = services.study_create(review=review, user=request.user, **_valid(StudyInput, request))
        study.status = selectors.study_status(study=study)
        return Response(StudyDetailOutput(study).data, status=status.HTTP_201_CREATED)


class StudySyncApi(APIView):
    """A study for every record included at full text that has none yet."""

    @extend_schema(request=None, responses=StudyOutput(many=True))
    def post(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
        created = services.studies_sync_from_included_records(review=review, user=request.user)
        for study in created:
            study.status = selectors.StudyStatus.NOT_STARTED
        return Response(StudyOutput(created, many=True).data)


class StudyDetailApi(APIView):
    @extend_schema(responses=StudyDetailOutput)
    def get(self, request, review_id: int, study_id: int):
        _, _, study = selectors.study_for_user(user=request.user, review_id=review_id, study_id=study_id)
        study.status = selectors.study_status(study=study)
        return Response(StudyDetailOutput(study).data)

    @extend_schema(request=StudyRenameInput, responses=StudyDetailOutput)
    def patch(self, request, review_id: int, study_id: int):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
        )
        study = services.study_rename(study=study, user=request.user, **_valid(StudyRenameInput, request))
        study.status = selectors.study_status(study=study)
        return Response(StudyDetailOutput(study).data)

    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, study_id: int):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.OWNER
        )
        services.study_delete(study=study, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StudyRecordsApi(APIView):
    """Link another report (record) of the review to this study."""

    @extend_schema(request=RecordLinkInput, responses=StudyDetailOutput)
    def post(self, request, review_id: int, study_id: int):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
        )
        study = services.study_link_record(study=study, user=request.user, **_valid(RecordLinkInput, request))
        study.status = selectors.study_status(study=study)
        return Response(StudyDetailOutput(study).data)


class ArmListApi(APIView):
    @extend_schema(request=ArmInput, responses={201: ArmOutput})
    def post(self, request, review_id: int, study_id: int):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
        )
        arm = services.arm_create(study=study, user=request.user, **_valid(ArmInput, request))
        return Response(ArmOutput(arm).data, status=status.HTTP_201_CREATED)


class ArmDetailApi(APIView):
    def _arm(self, request, review_id, study_id, arm_id):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
        )
        return selectors.arm_of(study=study, arm_id=arm_id)

    @extend_schema(request=ArmUpdateInput, responses={200: ArmOutput, 409: OpenApiTypes.OBJECT})
    def patch(self, request, review_id: int, study_id: int, arm_id: int):
        arm = self._arm(request, review_id, study_id, arm_id)
        changes = _valid(ArmUpdateInput, request)
        try:
            arm = services.arm_update(arm=arm, user=request.user, **changes)
        except services.StaleWrite as conflict:
            return conflict_response(conflict)
        return Response(ArmOutput(arm).data)

    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, study_id: int, arm_id: int):
        services.arm_delete(arm=self._arm(request, review_id, study_id, arm_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ComparisonListApi(APIView):
    @extend_schema(request=ComparisonInput, responses={201: ComparisonOutput})
    def post(self, request, review_id: int, study_id: int):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
        )
        comparison = services.comparison_create(
            study=study, user=request.user, **_valid(ComparisonInput, request)
        )
        return Response(ComparisonOutput(comparison).data, status=status.HTTP_201_CREATED)


class ComparisonDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, study_id: int, comparison_id: int):
        _, _, study = selectors.study_for_user(
            user=request.user, review_id=review_id, study_id=study_id, min_role=Role.REVIEWER
        )
        comparison = selectors.comparison_of(study=study, comparison_id=comparison_id)
        services.comparison_delete(comparison=comparison, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
