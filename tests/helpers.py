from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def queries_for(client, url, data=None) -> int:
    """The number of queries a GET of ``url`` makes (it must answer 200): for no-N+1 tests."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, data).status_code == 200
    return len(ctx.captured_queries)
