"""REST API for extractions and their values, consensus, history and patient-level data."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from extraction import selectors, services
from extraction.selectors.sheet import display
from reviews.models import Role
from reviews.selectors import review_for_user

from .common import conflict_response


class ExtractionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    extractor = serializers.CharField(source="extractor.username", allow_null=True, default=None)
    status = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ValueInput(serializers.Serializer):
    cell = serializers.CharField(max_length=80, help_text="e.g. o3:a7:events, f2, f4:a7, o5:c2:hr")
    value = serializers.JSONField(
        allow_null=True,
        help_text="A number, text, true/false, or null to clear; an SD also as 'se 0.4' or 'ci 1 3'",
    )
    based_on_version = serializers.IntegerField(
        min_value=0, help_text="The version you loaded; 0 for an empty cell"
    )


class ValueOutput(serializers.Serializer):
    cell = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    shown = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    source = serializers.JSONField(allow_null=True)
    updated_by = serializers.CharField(source="updated_by.username")

    def get_shown(self, value) -> str:
        return display(value.value)


class HistoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    cell = serializers.CharField()
    what = serializers.CharField()
    old_value = serializers.JSONField(allow_null=True)
    new_value = serializers.JSONField(allow_null=True)
    user = serializers.CharField(source="user.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


def _sheet_cells(sheet) -> list[dict]:
    return [
        {
            "cell": cell.name,
            "label": cell.label,
            "section": section.title,
            "value": cell.value,
            "version": cell.version,
            "source": cell.source,
            "updated_by": cell.updated_by or None,
        }
        for section, _, cell in sheet.cells()
    ]


def _study(request, review_id, study_id, min_role=Role.VIEWER):
    return selectors.study_for_user(
        user=request.user, review_id=review_id, study_id=study_id, min_role=min_role
    )


class ExtractionListApi(APIView):
    @extend_schema(responses=ExtractionOutput(many=True))
    def get(self, request, review_id: int, study_id: int):
        _, membership, study = _study(request, review_id, study_id)
        visible = [
            e
            for e in study.extractions.select_related("extractor", "study")
            if selectors.may_see_extraction(extraction=e, user=request.user, membership=membership)
        ]
        return Response(ExtractionOutput(visible, many=True).data)

    @extend_schema(request=None, responses={200: ExtractionOutput})
    def post(self, request, review_id: int, study_id: int):
        """Open (start) the extraction this user works on: the shared one, or their own copy."""
        _, _, study = _study(request, review_id, study_id, Role.REVIEWER)
        return Response(ExtractionOutput(services.extraction_open(study=study, user=request.user)).data)


class ExtractionDetailApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, review_id: int, study_id: int, extraction_id: int):
        _, membership, study = _study(request, review_id, study_id)
        extraction = selectors.extraction_of(
            study=study, extraction_id=extraction_id, user=request.user, membership=membership
        )
        sheet = selectors.extraction_sheet(extraction=extraction, study=study)
        return Response({**ExtractionOutput(extraction).data, "cells": _sheet_cells(sheet)})


class ExtractionValuesApi(APIView):
    """Save one cell; 409 with the current value when someone changed it since ``based_on_version``."""

    @extend_schema(request=ValueInput, responses={200: ValueOutput, 409: OpenApiTypes.OBJECT})
    def post(self, request, review_id: int, study_id: int, extraction_id: int):
        _, membership, study = _study(request, review_id, study_id, Role.REVIEWER)
        extraction = selectors.extraction_of(
            study=study, extraction_id=extraction_id, user=request.user, membership=membership
        )
        data = ValueInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            saved = services.value_save(extraction=extraction, user=request.user, **data.validated_data)
        except services.StaleWrite as conflict:
            return conflict_response(conflict)
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            raise serializers.ValidationError({"value": error.messages}) from None
        return Response(ValueOutput(saved).data)


class ExtractionCompleteApi(APIView):
    @extend_schema(request=None, responses=ExtractionOutput)
    def post(self, request, review_id: int, study_id: int, extraction_id: int):
        _, membership, study = _study(request, review_id, study_id, Role.REVIEWER)
        extraction = selectors.extraction_of(
            study=study, extraction_id=extraction_id, user=request.user, membership=membership
        )
        return Response(
            ExtractionOutput(services.extraction_complete(extraction=extraction, user=request.user)).data
        )


class ExtractionReopenApi(APIView):
    @extend_schema(request=None, responses=ExtractionOutput)
    def post(self, request, review_id: int, study_id: int, extraction_id: int):
        _, membership, study = _study(request, review_id, study_id, Role.REVIEWER)
        extraction = selectors.extraction_of(
            study=study, extraction_id=extraction_id, user=request.user, membership=membership
        )
        return Response(
            ExtractionOutput(services.extraction_reopen(extraction=extraction, user=request.user)).data
        )


class StudyComparisonApi(APIView):
    """Both extractors' values side by side with the consensus; only once both copies are done."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, review_id: int, study_id: int):
        _, _, study = _study(request, review_id, study_id)
        if not services.values.both_independent_done(study):
            return Response(
                {"detail": "The comparison opens when both extractors have marked their copies done."},
                status=status.HTTP_403_FORBIDDEN,
            )
        compared = selectors.compare(study=study)
        return Response(
            {
                "extractors": compared["extractors"],
                "consensus_id": compared["final"].pk if compared["final"] else None,
                "agreement": compared["agreement"],
                "cells": [
                    {
                        "cell": c.name,
                        "label": c.label,
                        "first": c.first,
                        "second": c.second,
                        "consensus": c.consensus,
                        "consensus_version": c.consensus_version,
                        "differs": c.differs,
                    }
                    for c in compared["cells"]
                ],
            }
        )


class ConsensusApi(APIView):
    @extend_schema(request=None, responses=ExtractionOutput)
    def post(self, request, review_id: int, study_id: int):
        """Start the consensus (agreeing values copied in); returns the consensus extraction."""
        _, _, study = _study(request, review_id, study_id, Role.REVIEWER)
        return Response(ExtractionOutput(services.consensus_start(study=study, user=request.user)).data)


class StudyHistoryApi(APIView):
    @extend_schema(responses=HistoryOutput(many=True))
    def get(self, request, review_id: int, study_id: int):
        _, _, study = _study(request, review_id, study_id)
        return Response(
            HistoryOutput(selectors.study_history(study=study, user=request.user), many=True).data
        )


class IpdApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, review_id: int, study_id: int):
        _, _, study = _study(request, review_id, study_id)
        per_arm = {arm.label: arm.patients.count() for arm in study.arms.all()}
        return Response({"patients": study.patients.count(), "per_arm": per_arm})

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request, review_id: int, study_id: int):
        """Replace the study's patient-level data with a CSV (arm, time, event, covariates…)."""
        _, _, study = _study(request, review_id, study_id, Role.REVIEWER)
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Attach the CSV file as “file”."]})
        try:
            count = services.ipd_replace(study=study, user=request.user, upload=upload)
        except services.IpdErrors as errors:
            return Response({"detail": errors.messages[0], "errors": errors.errors}, status=400)
        return Response({"patients": count}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, study_id: int):
        _, _, study = _study(request, review_id, study_id, Role.REVIEWER)
        services.ipd_delete(study=study, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExtractionAgreementOutput(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    cells = serializers.IntegerField()
    agreeing = serializers.IntegerField()
    share = serializers.FloatField()


class AgreementApi(APIView):
    """Agreement between extractors per field type, over studies whose two copies are done."""

    @extend_schema(responses=ExtractionAgreementOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        return Response(selectors.review_agreement(studies=selectors.studies_with_status(review=review)))
