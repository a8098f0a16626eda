import datetime as dt

from django import template
from django.template.defaultfilters import date as django_date
from django.utils import translation
from django.utils.html import format_html

from safeguard.core import backlinks, dates

register = template.Library()

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DAY_MONTH_YEAR = {"j F Y": _MONTHS, "j M Y": [m[:3] for m in _MONTHS]}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's ``date`` filter (these builtins load after Django's, so this one is used),
    with a fast path for the two GOV.UK formats on most pages, "7 December 2026" and
    "7 Dec 2026": Django's formatter costs about 40 µs a date, and a case page shows dozens.
    The same text as Django's, which every other format and language still gets."""
    months = _DAY_MONTH_YEAR.get(arg)
    if (
        months is not None
        and isinstance(value, dt.date)
        and translation.get_language() in ("en-gb", "en")
    ):
        return f"{value.day} {months[value.month - 1]} {value.year:04d}"
    return django_date(value, arg)


# The GOV.UK tag for a level (risk of serious harm, risk to self, a screen's areas): one
# definition for every page, as a filter because the caseload shows two in each of 50 rows and
# an include costs a hundred times more.
_LEVEL_TAGS = {
    "very_high": ("red", "Very high"),
    "high": ("orange", "High"),
    # A declined suicide question: at risk until resolved, so it is never shown as low.
    "not_known": ("purple", "Not known: treat as at risk"),
    "medium": ("yellow", "Medium"),
    "low": ("green", "Low"),
    "none": ("grey", "None"),
}


@register.filter
def level_tag(level, absent="Not assessed"):
    """``{{ person.rosh_level|level_tag:"Not assessed" }}``: the level's coloured tag, or the
    ``absent`` text when there is no level."""
    tag = _LEVEL_TAGS.get(level)
    if tag is None:
        return format_html('<span class="govuk-body-s">{}</span>', absent)
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', *tag)


@register.filter
def lookup(mapping, key):
    """``{{ rules|lookup:item.rule }}``: a dict entry by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def select_groups(bound_field):
    """A select's choices as [(group label or "", [(value, label, selected), ...]), ...] so that
    the GOV.UK select template can render optgroups."""
    current = bound_field.value()
    selected = {str(v) for v in current} if isinstance(current, list | tuple) else {str(current)}
    groups, loose = [], []
    for value, label in bound_field.field.choices:
        if isinstance(label, list | tuple):
            if loose:
                groups.append(("", loose))
                loose = []
            groups.append((value, [(v, lab, str(v) in selected) for v, lab in label]))
        else:
            loose.append((value, label, str(value) in selected))
    if loose:
        groups.append(("", loose))
    return groups


@register.filter
def govuk_time(value):
    """``{{ moment|govuk_time }}``: "2:22pm", "10am", "midday" (GOV.UK style), in UK time.
    Every time on a page is written by this filter."""
    if not value:
        return ""
    return dates.govuk_time(value)


@register.filter
def lower_first(value) -> str:
    """Lower-case a label's first word to use it mid-sentence, keeping acronyms as they are:
    "Head of PDU" -> "head of PDU" (``|lower`` would give "head of pdu")."""
    text = str(value or "")
    first, _, rest = text.partition(" ")
    if len(first) > 1 and first[1:2].isupper():  # an acronym ("PDU", "MAPPA") stays
        return text
    return f"{first[:1].lower()}{first[1:]}{' ' if rest or _ else ''}{rest}"


@register.simple_tag(takes_context=True)
def back_link(context, default_url, default_text):
    """``{% back_link url "Back to caseload" %}``: the GOV.UK back link, returning to the list
    the user came from when that is a same-site page (``safeguard.core.backlinks``)."""
    request = context.get("request")
    href, text = (
        backlinks.back_link(request, default_url, default_text)
        if request is not None
        else (default_url, default_text)
    )
    return format_html('<a href="{}" class="govuk-back-link">{}</a>', href, text)


@register.simple_tag
def fragment(name, **context):
    """``{% fragment "people/_person_rows.jinja" people=page.object_list %}``: rows rendered by
    Jinja2 (``safeguard.core.fragments``), where Django's engine is most of a page's cost."""
    from safeguard.core.fragments import render_fragment  # it imports these filters

    return render_fragment(name, **context)


@register.filter
def date_parts(bound_field):
    """(day, month, year) for the GOV.UK date input of a ``GovDateField``."""
    from safeguard.core.forms import date_parts as parts

    return parts(bound_field.value())
