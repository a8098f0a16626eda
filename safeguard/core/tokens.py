"""Creating and revoking API tokens: each is written to the access log in the same
transaction, so who gave or took away programmatic access to case records can be shown."""

from django.db import transaction

from safeguard.core.audit import Action, AuditEvent, Channel, access_log_record
from safeguard.core.models import ApiToken


class ApiTokenEvent(AuditEvent):
    CREATED = "api_token.created", "Created an API token"
    REVOKED = "api_token.revoked", "Revoked an API token"


def _token_changes(token: ApiToken) -> dict:
    # The token's row and owner, never the token itself (only its hash is kept anyway).
    return {
        "token": token.pk,
        "staff": token.staff.get_username(),
        "name": token.name,
        "read_only": token.read_only,
        "expires_at": token.expires_at,
    }


@transaction.atomic
def api_token_issue(*, staff, name, days=None, read_only=False, actor, channel=Channel.COMMAND):
    """A new token for ``staff``: (the row, the token itself, shown only once)."""
    row, token = ApiToken.issue(staff, name=name, days=days, read_only=read_only)
    access_log_record(
        actor=actor,
        action=Action.MANAGE_API_TOKEN,
        channel=channel,
        detail=f"API token {row.pk} created",
        event=ApiTokenEvent.CREATED,
        changes=_token_changes(row),
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor, channel=Channel.COMMAND) -> bool:
    """Stop ``token`` working. False (and nothing logged) if it had been revoked already."""
    token = ApiToken.objects.select_for_update().select_related("staff").get(pk=token.pk)
    if not token.revoke():
        return False
    access_log_record(
        actor=actor,
        action=Action.MANAGE_API_TOKEN,
        channel=channel,
        detail=f"API token {token.pk} revoked",
        event=ApiTokenEvent.REVOKED,
        changes=_token_changes(token),
    )
    return True
