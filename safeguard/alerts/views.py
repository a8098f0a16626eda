"""The duty rota pages (SPOs and heads of PDU) and the page an alert email links to."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard.alerts import policy, selectors, services
from safeguard.alerts.forms import DutyRotaEntryForm
from safeguard.alerts.models import Alert
from safeguard.core.audit import Action, Channel, access_log_record, access_log_refusal
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.core.errors import DomainError, NotPermitted
from safeguard.core.forms import posted, submit_form
from safeguard.core.workitems import rules_by_code

# ---- the duty rota ----------------------------------------------------------------------------


@require_GET
@requires(Capability.MANAGE_DUTY_ROTA)
def rota_index(request):
    teams = list(selectors.teams_managed(request.user).order_by("name"))
    pdus = list(selectors.pdus_managed(request.user))
    if len(teams) == 1 and not pdus:
        return redirect("alerts:team_rota", team_id=teams[0].pk)
    return render(request, "alerts/rota_index.html", {"teams": teams, "pdus": pdus})


def _rota_page(request, *, team=None, pdu=None):
    now = timezone.now()
    members = list(selectors.rota_members(team=team, pdu=pdu))
    form = DutyRotaEntryForm(posted(request), members=members)
    unit = team or pdu
    here = (
        reverse("alerts:team_rota", args=[team.pk])
        if team
        else reverse("alerts:pdu_rota", args=[pdu.pk])
    )

    def add(data):
        return services.duty_rota_entry_add(
            staff_id=data["staff"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            team_id=team.pk if team else None,
            pdu_id=pdu.pk if pdu else None,
            actor=request.user,
        )

    done = submit_form(
        request,
        form,
        add,
        success=lambda e: f"{e.staff.display_name} added to the duty rota",
        next_url=here,
    )
    if done:
        return done
    entries = list(selectors.rota_entries(team=team, pdu=pdu, now=now))
    return render(
        request,
        "alerts/rota.html",
        {
            "form": form,
            "unit": unit,
            "is_team": team is not None,
            "entries": entries,
            "summary": selectors.rota_summary(entries, now=now, team=team, pdu=pdu),
            "now": now,
            "office_hours": policy.office_hours_text(),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_DUTY_ROTA)
def team_rota(request, team_id):
    return _rota_page(request, team=selectors.managed_team(request.user, team_id))


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_DUTY_ROTA)
def pdu_rota(request, pdu_id):
    return _rota_page(request, pdu=selectors.managed_pdu(request.user, pdu_id))


@require_POST
@requires(Capability.MANAGE_DUTY_ROTA)
def rota_entry_remove(request, entry_id):
    entry = services.duty_rota_entry_remove(entry_id=entry_id, actor=request.user)
    messages.success(request, f"{entry.staff.display_name} removed from the duty rota")
    if entry.team_id:
        return redirect("alerts:team_rota", team_id=entry.team_id)
    return redirect("alerts:pdu_rota", pdu_id=entry.pdu_id)


# ---- the alert about a work item ----------------------------------------------------------------


def _item_page(request, item, *, error="", status=200):
    alert = selectors.alert_for(item)
    return render(
        request,
        "alerts/item.html",
        {
            "item": item,
            "rule": rules_by_code().get(item.rule),
            "alert": alert,
            "emails": list(alert.emails.all()) if alert else [],
            "can_acknowledge": bool(
                alert
                and alert.can_be_acknowledged
                and has_capability(request.user, Capability.CHANGE_CASES)
            ),
            "error": error,
        },
        status=status,
    )


@require_GET
@requires(Capability.READ_CASES)
def alert_item(request, work_item_id):
    """Where the email's link leads: the urgent item, who was told, and "Acknowledge"."""
    item = selectors.visible_work_item(request.user, work_item_id)
    access_log_record(
        actor=request.user,
        action=Action.VIEW_PERSON,
        channel=Channel.WEB,
        person=item.person,
        detail=f"urgent alert on work item {item.pk}",
    )
    return _item_page(request, item)


@require_POST
@requires(Capability.CHANGE_CASES)
def alert_acknowledge(request, work_item_id):
    item = selectors.visible_work_item(request.user, work_item_id)
    alert_id = Alert.objects.filter(work_item=item).values_list("pk", flat=True).first()
    if alert_id is None:
        access_log_refusal(
            actor=request.user, channel=Channel.WEB, detail=f"work item {item.pk}: no alert"
        )
        return _item_page(request, item, error="There is no alert on this item", status=404)
    try:
        services.alert_acknowledge(alert_id=alert_id, actor=request.user)
    except NotPermitted:
        raise
    except DomainError as exc:
        return _item_page(request, item, error=exc.message, status=exc.status)
    messages.success(request, "Alert acknowledged: it will not be escalated")
    return redirect("alerts:item", work_item_id=item.pk)
