"""REST API of the platform itself: the worker round trip and the caller's API tokens."""

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors, services
from core.models import ApiToken, WorkerPing
from core.pagination import CappedLimitOffsetPagination, paginate


class WorkerPingOutput(serializers.ModelSerializer):
    answered = serializers.SerializerMethodField()

    class Meta:
        model = WorkerPing
        fields = ["id", "requested_at", "answered", "answered_at", "worker_hostname"]

    def get_answered(self, ping: WorkerPing) -> bool:
        return ping.answered_at is not None


class WorkerPingListApi(APIView):
    @extend_schema(request=None, responses={201: WorkerPingOutput})
    def post(self, request):
        ping = services.worker_ping_request(user=request.user)
        return Response(WorkerPingOutput(ping).data, status=status.HTTP_201_CREATED)


class WorkerPingDetailApi(APIView):
    @extend_schema(responses=WorkerPingOutput)
    def get(self, request, ping_id: int):
        ping = selectors.worker_ping_for_user(user=request.user, ping_id=ping_id)
        return Response(WorkerPingOutput(ping).data)


class TokenCreateInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TokenCreateOutput(serializers.Serializer):
    token = serializers.CharField(
        help_text="The key; shown this once. Send it as `Authorization: Token <key>`."
    )
    id = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class TokenOutput(serializers.ModelSerializer):
    expired = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "expired", "last_used_at"]

    def get_expired(self, token: ApiToken) -> bool:
        return token.expires_at <= timezone.now()


class TokenCreateApi(APIView):
    """Exchange a username and password for a new token; failures count towards the sign-in lockout."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenCreateInput, responses={200: TokenCreateOutput}, summary="Make an API token")
    def post(self, request):
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain Django request: django-axes flags a lockout on it for its middleware to answer.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError({"detail": ["Unable to sign in with these credentials."]})
        token, key = services.api_token_create(user=user, name=data.validated_data.get("name", ""))
        return Response(
            TokenCreateOutput({"token": key, "id": token.pk, "expires_at": token.expires_at}).data
        )


class TokenListApi(APIView):
    pagination_class = CappedLimitOffsetPagination

    @extend_schema(responses=TokenOutput(many=True), summary="My API tokens")
    def get(self, request):
        tokens = selectors.api_tokens_of(user=request.user)
        return paginate(
            request=request,
            view=self,
            queryset=tokens,
            serialize=lambda page: TokenOutput(page, many=True).data,
        )


class TokenDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="Revoke one of my API tokens")
    def delete(self, request, token_id: int):
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
