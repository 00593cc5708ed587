"""REST API for reviews and members: validate, call one service or selector, serialize."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews import selectors, services
from reviews.models import Review, ReviewMembership, Role


class ReviewOutput(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = [
            "id",
            "title",
            "question",
            "reviewers_per_record",
            "blind_screening",
            "extractions_per_study",
            "data_version",
            "created_at",
        ]


class ReviewInput(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    question = serializers.CharField(required=False, allow_blank=True, default="")
    reviewers_per_record = serializers.IntegerField(min_value=1, max_value=5, required=False, default=2)
    blind_screening = serializers.BooleanField(required=False, default=True)
    extractions_per_study = serializers.IntegerField(min_value=1, max_value=2, required=False, default=1)


class ReviewUpdateInput(ReviewInput):
    title = serializers.CharField(max_length=300, required=False)
    question = serializers.CharField(required=False, allow_blank=True)
    reviewers_per_record = serializers.IntegerField(min_value=1, max_value=5, required=False)
    blind_screening = serializers.BooleanField(required=False)
    extractions_per_study = serializers.IntegerField(min_value=1, max_value=2, required=False)


class MemberOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ReviewMembership
        fields = ["id", "username", "role", "created_at"]


class MemberInviteInput(serializers.Serializer):
    user = serializers.CharField(help_text="Username or e-mail of an existing user.", max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ReviewListApi(APIView):
    @extend_schema(responses=ReviewOutput(many=True))
    def get(self, request):
        reviews = selectors.review_list_for_user(user=request.user)
        return Response(ReviewOutput(reviews, many=True).data)

    @extend_schema(request=ReviewInput, responses={201: ReviewOutput})
    def post(self, request):
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(owner=request.user, **data.validated_data)
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class ReviewDetailApi(APIView):
    @extend_schema(responses=ReviewOutput)
    def get(self, request, review_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id)
        return Response(ReviewOutput(review).data)

    @extend_schema(request=ReviewUpdateInput, responses=ReviewOutput)
    def patch(self, request, review_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        data = ReviewUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        review = services.review_update_settings(review=review, **data.validated_data)
        return Response(ReviewOutput(review).data)


class MemberListApi(APIView):
    @extend_schema(responses=MemberOutput(many=True))
    def get(self, request, review_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id)
        return Response(MemberOutput(selectors.members_of(review=review), many=True).data)

    @extend_schema(request=MemberInviteInput, responses={201: MemberOutput})
    def post(self, request, review_id: int):
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        data = MemberInviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_invite(
            review=review,
            invited_by=request.user,
            user_identifier=data.validated_data["user"],
            role=data.validated_data["role"],
        )
        return Response(MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(APIView):
    def _target(self, request, review_id: int, membership_id: int) -> ReviewMembership:
        review, _ = selectors.review_for_user(user=request.user, review_id=review_id, min_role=Role.OWNER)
        return selectors.member_of_review(review=review, membership_id=membership_id)

    @extend_schema(request=MemberRoleInput, responses=MemberOutput)
    def patch(self, request, review_id: int, membership_id: int):
        target = self._target(request, review_id, membership_id)
        data = MemberRoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_change_role(membership=target, role=data.validated_data["role"])
        return Response(MemberOutput(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request, review_id: int, membership_id: int):
        services.member_remove(membership=self._target(request, review_id, membership_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
