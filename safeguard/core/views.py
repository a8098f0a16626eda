import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safeguard.core.capabilities import Capability, public, requires
from safeguard.core.context_processors import reports_for


@require_GET
@public
def home(request):
    """Signing in, or opening the service's address, lands on My work: what needs doing first."""
    return redirect("my_work")


@require_GET
@requires(Capability.READ_CASES)
def reports(request):
    """The reports the user may open, grouped behind one navigation item."""
    return render(request, "core/reports.html", {"reports": reports_for(request.user)})


@login_not_required
@never_cache
@require_GET
@public
def healthz(request):
    """For load balancers: 200 while the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# While the database cannot be reached (restarting, failing over), say so and when to retry,
# rather than "there is a problem with the service". Django keeps no broken connection
# (CONN_HEALTH_CHECKS), so the first request after it is back is served normally.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def server_error(request):
    """``handler500``: 503 with ``Retry-After`` when the database is unreachable, else 500.

    Django calls this inside its ``except`` block, so the exception is ``sys.exc_info()``'s.
    Neither page touches the database or the request's context processors."""
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
