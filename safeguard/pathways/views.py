"""Pages: a person's pathways and offers, their health record, reducing contact (with the
SPO's decision where the probation reset safeguard applies), and the pathway measures."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors, posted, submit_form
from safeguard.pathways import catalogue as cat
from safeguard.pathways import insights, selectors, services
from safeguard.pathways.forms import (
    AttendanceForm,
    DecisionForm,
    GPForm,
    MeasuresFilterForm,
    NeedForm,
    OfferForm,
    OfferStatusForm,
    OfficeWishForm,
    ReductionForm,
    VersionForm,
)
from safeguard.pathways.models import ALLOWED_TRANSITIONS, ContactReduction, SafeguardReason
from safeguard.people.selectors import person_get_for


def _person(request, crn, *, change=False):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    if change and not request.user.can_change_cases:
        raise PermissionDenied
    return person


def _pathways_url(person, anchor=""):
    return reverse("pathways:person", args=[person.crn]) + (f"#{anchor}" if anchor else "")


def _reason_labels(reasons):
    return [SafeguardReason(r).label for r in reasons if r in SafeguardReason.values]


@require_GET
@requires(Capability.READ_CASES)
def person_pathways(request, crn):
    person = _person(request, crn)
    today = timezone.localdate()
    found = selectors.person_pathways(person, today=today)
    pending = selectors.pending_reduction(person)
    return render(
        request,
        "pathways/person.html",
        {
            "person": person,
            "found": found,
            "catalogue": cat.catalogue(),
            "can_change": request.user.can_change_cases,
            "can_decide": has_capability(request.user, Capability.DECIDE_CONTACT_REDUCTION),
            "reasons": _reason_labels(selectors.reset_safeguard(person, today=today)),
            "pending": pending,
            "pending_reasons": _reason_labels(pending.reasons) if pending else [],
            "reductions": selectors.reductions_of(person)[:5],
            "need_form": NeedForm(),
            "wish": selectors.office_wish_of(person),
            "adjustments": selectors.screen_adjustments(person),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def offer_new(request, crn):
    person = _person(request, crn, change=True)
    chosen = cat.pathway(request.GET.get("pathway", ""))
    initial = {"status": "offered"}
    if chosen is not None:
        initial["pathway"] = chosen.key
        providers = chosen.providers_in(person.pdu.region.code)
        if len(providers) == 1:
            initial["provider"] = providers[0]
        need = request.GET.get("need", "")
        if need in chosen.needs:
            initial["need"] = need
    form = OfferForm(posted(request), initial=initial)
    done = submit_form(
        request,
        form,
        lambda data: services.pathway_offer_record(
            person_id=person.pk,
            pathway=data["pathway"],
            status=data["status"],
            offered_on=data["offered_on"],
            reason=data["reason"],
            need=data["need"],
            provider=data["provider"],
            actor=request.user,
        ),
        success=lambda o: f"{cat.pathway(o.pathway).name}: offer recorded",
        next_url=_pathways_url(person, "offers"),
    )
    if done:
        return done
    return render(
        request,
        "pathways/offer_form.html",
        {"person": person, "form": form, "pathway": chosen},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def offer_status(request, crn, offer_id):
    person = _person(request, crn, change=True)
    offer = selectors.offer_for(request.user, offer_id)
    if offer is None or offer.person_id != person.pk:
        raise Http404
    form = OfferStatusForm(posted(request), initial={"version": offer.version})
    done = submit_form(
        request,
        form,
        lambda data: services.pathway_offer_status_change(
            offer_id=offer.pk,
            status=data["status"],
            on=data["on"],
            reason=data["reason"],
            version=data["version"],
            actor=request.user,
        ),
        success=lambda o: f"{cat.pathway(o.pathway).name}: {o.get_status_display().lower()}",
        next_url=_pathways_url(person, "offers"),
    )
    if done:
        return done
    return render(
        request,
        "pathways/offer_status.html",
        {
            "person": person,
            "offer": offer,
            "pathway": cat.pathway(offer.pathway),
            "form": form,
            "next_steps": [s.label for s in ALLOWED_TRANSITIONS[offer.status]],
        },
    )


@require_POST
@requires(Capability.CHANGE_CASES)
def need_record(request, crn):
    person = _person(request, crn, change=True)
    form = NeedForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda data: services.pathway_need_record(
            person_id=person.pk, need=data["need"], note=data["note"], actor=request.user
        ),
        success="Need recorded",
        next_url=_pathways_url(person, "needs"),
    )
    if done:
        return done
    return render(request, "pathways/need_form.html", {"person": person, "form": form})


@require_POST
@requires(Capability.CHANGE_CASES)
def need_end(request, crn, need_id):
    person = _person(request, crn, change=True)
    if not person.recorded_needs.filter(pk=need_id).exists():
        raise Http404
    form = VersionForm(request.POST)
    done = submit_form(
        request,
        form,
        lambda data: services.pathway_need_end(
            need_id=need_id, version=data["version"], actor=request.user
        ),
        success="Need ended",
        next_url=_pathways_url(person, "needs"),
    )
    if done:
        return done
    return render(request, "pathways/need_end.html", {"person": person, "form": form})


# ---- health ---------------------------------------------------------------------------------


@require_GET
@requires(Capability.READ_CASES)
def health(request, crn):
    person = _person(request, crn)
    return render(
        request,
        "pathways/health.html",
        {
            "person": person,
            "attendances": selectors.attendances_of(person),
            "gp": selectors.gp_registration_of(person),
            "can_change": request.user.can_change_cases,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def attendance_new(request, crn):
    person = _person(request, crn, change=True)
    form = AttendanceForm(posted(request))
    done = submit_form(
        request,
        form,
        lambda data: services.hospital_attendance_record(
            person_id=person.pk,
            kind=data["kind"],
            attended_on=data["attended_on"],
            source=data["source"],
            reason=data["reason"],
            actor=request.user,
        ),
        success=lambda a: f"{a.get_kind_display()} recorded",
        next_url=reverse("pathways:health", args=[person.crn]),
    )
    if done:
        return done
    return render(request, "pathways/attendance_form.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def gp_status(request, crn):
    person = _person(request, crn, change=True)
    current = selectors.gp_registration_of(person)
    initial = {"version": current.version if current else 0}
    if current:
        initial.update({"status": current.status, "practice": current.practice})
    form = GPForm(posted(request), initial=initial)
    done = submit_form(
        request,
        form,
        lambda data: services.gp_registration_record(
            person_id=person.pk,
            status=data["status"],
            practice=data["practice"],
            checked_on=data["checked_on"],
            version=data["version"],
            actor=request.user,
        ),
        success="GP registration status saved",
        next_url=reverse("pathways:health", args=[person.crn]),
    )
    if done:
        return done
    return render(request, "pathways/gp_form.html", {"person": person, "form": form})


# ---- reducing contact -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def reduction_new(request, crn):
    person = _person(request, crn, change=True)
    today = timezone.localdate()
    form = ReductionForm(posted(request))
    asked = False
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_reduction_request(
                person_id=person.pk, kind=form.cleaned_data["kind"], actor=request.user
            )
        except services.SpoDecisionNeeded as refused:
            # Refused, and the request kept: the SPO has a work item to decide it.
            add_service_errors(form, refused)
            asked = True
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Contact reduced")
            return redirect(_pathways_url(person, "contact-reduction"))
    return render(
        request,
        "pathways/reduction_form.html",
        {
            "person": person,
            "form": form,
            "reasons": _reason_labels(selectors.reset_safeguard(person, today=today)),
            "pending": selectors.pending_reduction(person),
            "asked": asked,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.DECIDE_CONTACT_REDUCTION)
def reduction_decide(request, crn, reduction_id):
    person = _person(request, crn)
    reduction = ContactReduction.objects.filter(person=person, pk=reduction_id).first()
    if reduction is None:
        raise Http404
    form = DecisionForm(posted(request), initial={"version": reduction.version})
    done = submit_form(
        request,
        form,
        lambda data: services.contact_reduction_decide(
            reduction_id=reduction.pk,
            approve=data["approve"] == "yes",
            note=data["note"],
            version=data["version"],
            actor=request.user,
        ),
        success="Decision recorded",
        next_url=_pathways_url(person, "contact-reduction"),
    )
    if done:
        return done
    return render(
        request,
        "pathways/reduction_decide.html",
        {
            "person": person,
            "reduction": reduction,
            "reasons": _reason_labels(reduction.reasons),
            "form": form,
        },
    )


# ---- feeling safe ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def office_wish(request, crn):
    person = _person(request, crn, change=True)
    current = selectors.office_wish_of(person)
    initial = {"version": current.version if current else 0}
    if current:
        initial.update(
            {
                "not_at_office": "yes" if current.not_at_office else "no",
                "reasons": current.reasons,
                "alternatives": current.alternatives,
                "note": current.note,
            }
        )
    form = OfficeWishForm(posted(request), initial=initial)
    done = submit_form(
        request,
        form,
        lambda data: services.office_wish_record(
            person_id=person.pk,
            not_at_office=data["not_at_office"] == "yes",
            reasons=data["reasons"],
            alternatives=data["alternatives"],
            note=data["note"],
            version=data["version"],
            actor=request.user,
        ),
        success="Saved: it will be shown when an appointment is booked",
        next_url=_pathways_url(person, "feeling-safe"),
    )
    if done:
        return done
    return render(
        request,
        "pathways/office_wish_form.html",
        {"person": person, "form": form, "adjustments": selectors.screen_adjustments(person)},
    )


# ---- measures -------------------------------------------------------------------------------


@require_GET
@requires(Capability.SEE_PATHWAY_MEASURES)
def measures(request):
    today = timezone.localdate()
    form = MeasuresFilterForm(request.GET or None)
    start, end = insights.default_period(today)
    by, date_from, date_to = "pdu", start, end
    if form.is_bound and form.is_valid():
        by = form.cleaned_data["by"] or "pdu"
        date_from = form.cleaned_data["date_from"] or start
        date_to = form.cleaned_data["date_to"] or end
    figures = insights.pathway_figures(
        user=request.user, by=by, date_from=date_from, date_to=date_to, today=today
    )
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"pathway measures by {by}",
    )
    return render(
        request,
        "pathways/measures.html",
        {"form": form, "figures": figures, "grouping": insights.GROUPINGS[by]},
    )
