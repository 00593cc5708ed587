"""API authentication by expiring, revocable tokens, sent as ``Authorization: Token <key>``."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core import selectors, services


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against core.models.ApiToken: expired or revoked keys get 401."""

    def authenticate_credentials(self, key):
        token = selectors.api_token_by_key(key=key)
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Token expired; make a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        services.api_token_mark_used(token=token)
        return token.user, token
