from django.utils import timezone

from safeguard.core.models import ApiToken


def api_token_for(staff, **options) -> str:
    row, token = ApiToken.issue(staff, name="test", **options)
    # As a token in use: its first request would otherwise also record when it was used (one
    # UPDATE, at most once a minute), which the fixed-query-count tests are not about.
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return token


def bearer(staff, **options) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(staff, **options)}"}
