"""REST API for references: upload a file (202, imported by a worker), follow the import, list records,
list duplicate candidates and decide them. Validate, call one service or selector, serialize."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core.pagination import CappedLimitOffsetPagination
from reviews import selectors, services
from reviews.models import DuplicateCandidate, Record, RecordStatus, Role, SourceImport, SourceKind
from reviews.services import imports as import_services


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="RIS, PubMed MEDLINE (nbib), BibTeX, EndNote XML or CSV")
    source_name = serializers.CharField(max_length=200, help_text="e.g. MEDLINE via Ovid, Embase")
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, default=SourceKind.DATABASE)


class LineMessage(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class ImportOutput(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    url = serializers.SerializerMethodField()
    restarting = serializers.BooleanField(
        read_only=True, help_text="Queued again after its worker stopped in the middle of the import"
    )

    class Meta:
        model = SourceImport
        fields = [
            "id",
            "url",
            "source_name",
            "source_kind",
            "file_name",
            "file_format",
            "file_size",
            "status",
            "restarting",
            "attempts",
            "progress_done",
            "progress_total",
            "records_parsed",
            "records_imported",
            "duplicates_found",
            "failure",
            "created_by",
            "created_at",
            "finished_at",
        ]

    def get_url(self, source_import) -> str:
        return reverse(
            "api-import",
            kwargs={"review_id": source_import.review_id, "import_id": source_import.pk},
            request=self.context.get("request"),
        )


class ImportDetailOutput(ImportOutput):
    errors = LineMessage(many=True, read_only=True)
    warnings = LineMessage(many=True, read_only=True)

    class Meta(ImportOutput.Meta):
        fields = [*ImportOutput.Meta.fields, "errors", "warnings"]


class RecordOutput(serializers.ModelSerializer):
    # What this member may see: a conflict in a blind review shows as still being screened.
    status = serializers.ChoiceField(source="shown_status", choices=RecordStatus.choices, read_only=True)

    class Meta:
        model = Record
        fields = [
            "id",
            "title",
            "authors",
            "year",
            "journal",
            "doi",
            "pmid",
            "status",
            "duplicate_of",
            "source_import",
            "source_line",
        ]


class CandidateRecordOutput(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = ["id", "title", "authors", "year", "journal", "doi", "pmid", "status", "duplicate_of"]

    def get_status(self, record: Record) -> str:
        return selectors.shown_status(record.status, hidden=self.context.get("conflicts_hidden", True))


class CandidateOutput(serializers.ModelSerializer):
    record_a = CandidateRecordOutput(read_only=True)
    record_b = CandidateRecordOutput(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)

    class Meta:
        model = DuplicateCandidate
        fields = ["id", "record_a", "record_b", "reason", "score", "status", "decided_by", "decided_at"]


class ImportListApi(APIView):
    pagination_class = CappedLimitOffsetPagination
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=ImportOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id)
        paginator = CappedLimitOffsetPagination()
        page = paginator.paginate_queryset(selectors.imports_of(review=review), request, view=self)
        return paginator.get_paginated_response(
            ImportOutput(page, many=True, context={"request": request}).data
        )

    @extend_schema(request=ImportInput, responses={202: ImportOutput})
    def post(self, request, review_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id, min_role=Role.REVIEWER)
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = import_services.import_create(review=review, user=request.user, **data.validated_data)
        body = ImportOutput(created, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ImportDetailApi(APIView):
    @extend_schema(responses=ImportDetailOutput)
    def get(self, request, review_id: int, import_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id)
        source_import = selectors.import_of_review(review=review, import_id=import_id)
        return Response(ImportDetailOutput(source_import, context={"request": request}).data)


class RecordListApi(APIView):
    pagination_class = CappedLimitOffsetPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="words of the title, authors, journal, DOI or PMID"),
            OpenApiParameter("status", str, enum=RecordStatus.values),
        ],
        responses=RecordOutput(many=True),
    )
    def get(self, request, review_id: int):
        review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
        record_status = request.query_params.get("status", "")
        allowed = [value for value, _ in selectors.record_statuses_for(review=review, membership=membership)]
        if record_status and record_status not in allowed:
            raise ValidationError({"status": [f"Choose one of {', '.join(allowed)}."]})
        records = selectors.records_of(
            review=review,
            membership=membership,
            search=request.query_params.get("search", "")[:200],
            status=record_status,
        )
        paginator = CappedLimitOffsetPagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(RecordOutput(page, many=True).data)


class DuplicateListApi(APIView):
    pagination_class = CappedLimitOffsetPagination

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=DuplicateCandidate.Status.values)],
        responses=CandidateOutput(many=True),
    )
    def get(self, request, review_id: int):
        review, membership = selectors.review_for_user(user=request.user, review_id=review_id)
        candidate_status = request.query_params.get("status", "")
        if candidate_status and candidate_status not in DuplicateCandidate.Status.values:
            raise ValidationError(
                {"status": [f"Choose one of {', '.join(DuplicateCandidate.Status.values)}."]}
            )
        candidates = selectors.duplicate_candidates_of(review=review, status=candidate_status)
        paginator = CappedLimitOffsetPagination()
        page = paginator.paginate_queryset(candidates, request, view=self)
        context = {"conflicts_hidden": selectors.conflicts_hidden_from(review=review, membership=membership)}
        return paginator.get_paginated_response(CandidateOutput(page, many=True, context=context).data)


class DuplicateActionApi(APIView):
    """POST confirms (merges), rejects or unmerges one candidate pair; 409 if its state does not allow it."""

    decision = ""
    _decisions = {
        "confirm": services.duplicate_confirm,
        "reject": services.duplicate_reject,
        "unmerge": services.duplicate_unmerge,
    }

    @extend_schema(request=None, responses={200: CandidateOutput})
    def post(self, request, review_id: int, candidate_id: int):
        review, membership = selectors.review_for_user(
            user=request.user, review_id=review_id, min_role=Role.REVIEWER
        )
        candidate = selectors.duplicate_candidate_of_review(review=review, candidate_id=candidate_id)
        try:
            self._decisions[self.decision](candidate=candidate, user=request.user)
        except DjangoValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        candidate = selectors.duplicate_candidate_of_review(review=review, candidate_id=candidate_id)
        context = {"conflicts_hidden": selectors.conflicts_hidden_from(review=review, membership=membership)}
        return Response(CandidateOutput(candidate, context=context).data)
