from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
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
