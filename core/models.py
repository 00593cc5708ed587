"""Platform-level records that belong to no review."""

from django.conf import settings
from django.db import models


class WorkerPing(models.Model):
    """A round trip through the broker to a worker, asked for from the status page.

    It shows a person (and a monitoring probe) that the queue and at least one
    worker are alive: the web process writes the row and queues a task; the
    worker that runs it stamps the row.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    worker_hostname = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        state = f"answered by {self.worker_hostname}" if self.answered_at else "waiting"
        return f"Worker ping {self.pk} ({state})"


class ApiToken(models.Model):
    """A key for the API (``Authorization: Token <key>``) that expires and that its owner can revoke.

    Only a SHA-256 digest of the key is stored; the key itself is shown once, when it is made.
    A person may hold several (one per script or machine) and revoke each on its own.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_digest = models.CharField(max_length=64, unique=True)
    # The first characters of the key, so that its owner can tell tokens apart in a list.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"API token {self.prefix}… of {self.user}"
