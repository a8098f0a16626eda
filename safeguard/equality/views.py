"""Equal treatment monitoring pages: a decision compared across groups, and adult social care
acceptance by local authority on a funnel plot. Each chart has its table; each page downloads
as CSV (a ZIP for several tables) or XLSX."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.models import PDU, Region
from safeguard.equality import analysis, authorities
from safeguard.equality.catalogue import covariate_label, decisions
from safeguard.equality.forms import EqualityFilterForm, PeriodForm
from safeguard.insights.charts import bar_chart, funnel_chart
from safeguard.insights.exports import (
    COUNT,
    DAYS,
    PERCENT,
    RATIO,
    TEXT,
    Sheet,
    sheets_csv_response,
    sheets_xlsx_response,
)
from safeguard.insights.suppression import SUPPRESSED

DEFAULT_DECISION = "asc_referral_accepted"


def _scope_choices(user):
    regions = Region.objects.order_by("name")
    pdus = PDU.objects.order_by("name")
    if user.role == "head_of_pdu":
        regions = regions.filter(pdus=user.pdu_id)
        pdus = pdus.filter(pk=user.pdu_id)
    elif user.role == "regional_lead":
        regions = regions.filter(pk=user.region_id)
        pdus = pdus.filter(region_id=user.region_id)
    return {"regions": regions, "pdus": pdus}


def _period(form, today):
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    date_from, date_to = data.get("date_from"), data.get("date_to")
    if date_from is None and date_to is None:
        date_from, date_to = analysis.default_period(today)
    return data, date_from, date_to


def _equality_data(request):
    if not analysis.may_see(request.user):
        raise Http404
    today = timezone.localdate()
    form = EqualityFilterForm(request.GET or None, **_scope_choices(request.user))
    data, date_from, date_to = _period(form, today)
    code = data.get("decision") or DEFAULT_DECISION
    by = data.get("by") or "sex"
    result = analysis.analyse(
        code,
        user=request.user,
        by=by,
        date_from=date_from,
        date_to=date_to,
        region_id=data.get("region"),
        pdu_id=data.get("pdu"),
        today=today,
    )
    return form, result


def percent(value) -> str:
    """A rate as the pages show it (and the CSV exports): one decimal place."""
    return "–" if value is None else f"{value * 100:.1f}%"


def _trend_text(cell) -> str:
    if cell == "none":
        return "–"
    return SUPPRESSED if cell is None else percent(cell["rate"])


def _ratio_text(ratio) -> str:
    if ratio.odds_ratio is None:
        return "–"
    if ratio.ci_low is None:
        return f"{ratio.odds_ratio:.2f}"
    return f"{ratio.odds_ratio:.2f} ({ratio.ci_low:.2f} to {ratio.ci_high:.2f})"


def _page_rows(result):
    rows = []
    for r in result.rows:
        if r.suppressed:
            rows.append({"label": r.label, "suppressed": True})
            continue
        rows.append(
            {
                "label": r.label,
                "suppressed": False,
                "n": r.n,
                "events": r.events,
                "rate_text": percent(r.rate),
                "crude": "Reference" if r.is_reference else _ratio_text(r.crude),
                "adjusted": "Reference" if r.is_reference else _ratio_text(r.adjusted),
                "flagged": r.flagged,
                "note": r.adjusted.note or r.crude.note,
            }
        )
    return rows


def _trend_table(result):
    """Quarters down, groups across (in the order of the main table), each cell a rate, or
    None where hidden, or "none" where the group had nobody that quarter."""
    labels = [r.label for r in result.rows]
    lines = [
        {
            "label": quarter["label"],
            "cells": [quarter["groups"].get(r.key, "none") for r in result.rows],
        }
        for quarter in result.trends
    ]
    return labels, lines


@require_http_methods(["GET"])
@requires(Capability.SEE_REFERRAL_MONITORING)
def equality(request):
    form, result = _equality_data(request)
    shown = [r for r in result.rows if not r.suppressed][:15]
    chart = (
        bar_chart(
            [r.label for r in shown],
            [round((r.rate or 0) * 100, 1) for r in shown],
            title=f"{result.decision.title}: rate by {analysis.BY[result.by].lower()}",
            unit="Rate (%)",
        )
        if shown
        else None
    )
    trend_groups, trend_lines = _trend_table(result)
    trend_lines = [
        {"label": line["label"], "cells": [_trend_text(c) for c in line["cells"]]}
        for line in trend_lines
    ]
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail="equal treatment monitoring",
    )
    return render(
        request,
        "equality/equality.html",
        {
            "form": form,
            "result": result,
            "rows": _page_rows(result),
            "chart": chart,
            "by_label": analysis.BY[result.by],
            "adjusted_for": [covariate_label(c) for c in result.model.adjusted_for],
            "dropped": [(covariate_label(c), why) for c, why in result.model.dropped],
            "trend_groups": trend_groups,
            "trend_lines": trend_lines,
            "decisions": decisions().values(),
            "query": request.GET.urlencode(),
        },
    )


def equality_sheets(result) -> list[Sheet]:
    by = analysis.BY[result.by]
    main = []
    for r in result.rows:
        if r.suppressed:
            main.append(
                [r.label, SUPPRESSED, SUPPRESSED, None, None, None, None, None, None, None, "Yes"]
            )
            continue
        crude = r.crude if not r.is_reference else None
        adjusted = r.adjusted if not r.is_reference else None
        main.append(
            [
                r.label + (" (reference)" if r.is_reference else ""),
                r.n,
                r.events,
                r.rate,
                crude.odds_ratio if crude else None,
                crude.ci_low if crude else None,
                crude.ci_high if crude else None,
                adjusted.odds_ratio if adjusted else None,
                adjusted.ci_low if adjusted else None,
                adjusted.ci_high if adjusted else None,
                "No",
            ]
        )
    sheets = [
        Sheet(
            f"By {by.lower()}"[:31],
            [
                (by, TEXT),
                ("Number", COUNT),
                ("Events", COUNT),
                ("Rate (events ÷ number)", PERCENT),
                ("Odds ratio", RATIO),
                ("Odds ratio 95% CI low", RATIO),
                ("Odds ratio 95% CI high", RATIO),
                ("Adjusted odds ratio", RATIO),
                ("Adjusted 95% CI low", RATIO),
                ("Adjusted 95% CI high", RATIO),
                ("Small numbers hidden", TEXT),
            ],
            main,
        )
    ]
    labels, lines = _trend_table(result)
    trend_rows = []
    for line in lines:
        cells = [line["label"]]
        for cell in line["cells"]:
            cells.append(None if cell == "none" else SUPPRESSED if cell is None else cell["rate"])
        trend_rows.append(cells)
    sheets.append(
        Sheet(
            "By quarter",
            [("Quarter", TEXT)] + [(f"{g}: rate", PERCENT) for g in labels],
            trend_rows,
        )
    )
    about = [
        ["Decision", result.decision.title],
        ["Population", result.decision.population],
        ["Outcome (event)", result.decision.outcome],
        ["From", _date(result.date_from)],
        ["To", _date(result.date_to)],
        ["Reference group", next((r.label for r in result.rows if r.is_reference), "None")],
        [
            "Adjusted for",
            "; ".join(covariate_label(c) for c in result.model.adjusted_for) or "Nothing",
        ],
        ["Model", result.model.not_fitted or "Fitted (logistic regression on counts)"],
        ["Counts of 1 to 4", "Shown as <5, with the next smallest group hidden too"],
    ]
    sheets.append(Sheet("About these figures", [("Item", TEXT), ("Value", TEXT)], about))
    return sheets


def _date(day):
    return f"{day.day} {day:%B %Y}" if day else "–"


@require_http_methods(["GET"])
@requires(Capability.SEE_REFERRAL_MONITORING)
def equality_export(request, fmt):
    if fmt not in ("csv", "zip", "xlsx"):
        raise Http404
    form, result = _equality_data(request)
    sheets = equality_sheets(result)
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"equal treatment monitoring export {fmt}",
    )
    name = f"equal-treatment-{result.decision.code}-{result.by}"
    if fmt == "csv":
        return sheets_csv_response(sheets[:1], name)
    if fmt == "zip":
        return sheets_csv_response(sheets, name)
    return sheets_xlsx_response(sheets, name)


# ---- local authorities ---------------------------------------------------------------------


def _authority_data(request):
    if not analysis.may_see(request.user):
        raise Http404
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, **_scope_choices(request.user))
    data, date_from, date_to = _period(form, today)
    figures = authorities.authority_figures(
        user=request.user,
        date_from=date_from,
        date_to=date_to,
        region_id=data.get("region"),
        pdu_id=data.get("pdu"),
        today=today,
    )
    return form, figures


POSITION_TEXT = {
    "within": "Within the expected range",
    "above 95%": "Higher than expected (beyond 95% limit)",
    "below 95%": "Lower than expected (beyond 95% limit)",
    "above 99.8%": "Much higher than expected (beyond 99.8% limit)",
    "below 99.8%": "Much lower than expected (beyond 99.8% limit)",
    "": "–",
}


@require_http_methods(["GET"])
@requires(Capability.SEE_REFERRAL_MONITORING)
def local_authorities(request):
    form, figures = _authority_data(request)
    shown = [r for r in figures.rows if not r.suppressed and r.n]
    rate_chart = days_chart = None
    if shown and figures.overall_rate is not None:
        p0 = figures.overall_rate
        from safeguard.equality.stats import proportion_limits

        rate_chart = funnel_chart(
            [(r.local_authority, r.n, r.rate) for r in shown],
            lambda n: tuple(vars(proportion_limits(p0, n)).values()),
            centre=p0,
            title="Acceptance of s42 referrals with all three parts indicated, by local authority",
            x_label="Referrals decided",
            y_label="Accepted",
            y_max=1.0,
            percent=True,
        )
    timed = [r for r in shown if r.mean_working_days is not None]
    if timed and figures.overall_mean_days is not None:
        from safeguard.equality.stats import mean_limits

        mean, sd = figures.overall_mean_days, figures.overall_sd_days
        days_chart = funnel_chart(
            [(r.local_authority, r.n, r.mean_working_days) for r in timed],
            lambda n: tuple(vars(mean_limits(mean, sd, n)).values()),
            centre=mean,
            title="Mean working days to decision, by local authority",
            x_label="Referrals decided",
            y_label="Working days",
        )
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail="equal treatment monitoring: local authorities",
    )
    return render(
        request,
        "equality/local_authorities.html",
        {
            "form": form,
            "figures": figures,
            "rows": [_authority_row(r) for r in figures.rows],
            "overall_rate_text": percent(figures.overall_rate),
            "overall_days_text": _days(figures.overall_mean_days),
            "rate_chart": rate_chart,
            "days_chart": days_chart,
            "positions": POSITION_TEXT,
            "query": request.GET.urlencode(),
        },
    )


def _days(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _authority_row(r) -> dict:
    return {
        "name": r.local_authority,
        "suppressed": r.suppressed,
        "n": r.n,
        "events": r.events,
        "rejected": r.rejected,
        "awaiting": r.awaiting,
        "rate": percent(r.rate),
        "rate_position": POSITION_TEXT[r.rate_position],
        "mean_days": _days(r.mean_working_days),
        "median_days": _days(r.median_working_days),
        "days_position": POSITION_TEXT[r.days_position],
    }


def authority_sheets(figures) -> list[Sheet]:
    rows = []
    for r in figures.rows:
        if r.suppressed:
            rows.append(
                [r.local_authority, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED]
                + [None] * 7
                + ["Yes"]
            )
            continue
        limits = r.rate_limits
        rows.append(
            [
                r.local_authority,
                r.n,
                r.events,
                r.rejected,
                r.awaiting,
                r.rate,
                limits.lower_95 if limits else None,
                limits.upper_95 if limits else None,
                limits.lower_998 if limits else None,
                limits.upper_998 if limits else None,
                POSITION_TEXT[r.rate_position],
                r.median_working_days,
                "No",
            ]
        )
    return [
        Sheet(
            "Acceptance by authority",
            [
                ("Local authority", TEXT),
                ("Decided", COUNT),
                ("Accepted", COUNT),
                ("Rejected", COUNT),
                ("Awaiting a decision", COUNT),
                ("Acceptance rate (accepted ÷ decided)", PERCENT),
                ("95% lower limit", PERCENT),
                ("95% upper limit", PERCENT),
                ("99.8% lower limit", PERCENT),
                ("99.8% upper limit", PERCENT),
                ("Against the overall rate", TEXT),
                ("Median working days to decision", DAYS),
                ("Small numbers hidden", TEXT),
            ],
            rows,
        ),
        Sheet(
            "Time to decision by authority",
            [
                ("Local authority", TEXT),
                ("Mean working days", DAYS),
                ("95% lower limit", DAYS),
                ("95% upper limit", DAYS),
                ("99.8% lower limit", DAYS),
                ("99.8% upper limit", DAYS),
                ("Against the overall mean", TEXT),
            ],
            [
                [
                    r.local_authority,
                    r.mean_working_days,
                    r.days_limits.lower_95,
                    r.days_limits.upper_95,
                    r.days_limits.lower_998,
                    r.days_limits.upper_998,
                    POSITION_TEXT[r.days_position],
                ]
                if not r.suppressed and r.days_limits
                else [
                    r.local_authority,
                    SUPPRESSED if r.suppressed else None,
                    None,
                    None,
                    None,
                    None,
                    "",
                ]
                for r in figures.rows
            ],
        ),
    ]


@require_http_methods(["GET"])
@requires(Capability.SEE_REFERRAL_MONITORING)
def local_authorities_export(request, fmt):
    if fmt not in ("csv", "zip", "xlsx"):
        raise Http404
    form, figures = _authority_data(request)
    sheets = authority_sheets(figures)
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"equal treatment monitoring: local authorities export {fmt}",
    )
    name = "equal-treatment-local-authorities"
    if fmt == "csv":
        return sheets_csv_response(sheets[:1], name)
    if fmt == "zip":
        return sheets_csv_response(sheets, name)
    return sheets_xlsx_response(sheets, name)
