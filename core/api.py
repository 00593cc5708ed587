"""REST API of the platform itself: the worker round trip."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors, services
from core.models import WorkerPing


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
