"""Table rows rendered with Jinja2, for the few tables where Django's template language is most
of a page's cost.

Django's engine resolves each ``{{ person.last_name }}`` through a chain of lookups, about
sixty Python calls; on the caseload (50 rows of a dozen cells) that was more than half the
request. Jinja2 compiles a template to Python, which is three to four times faster for the
same rows. Pages stay Django templates; a page hands its rows to a fragment with
``{% fragment "people/_person_rows.jinja" people=page.object_list %}``.

Fragments live in ``safeguard/jinja2/``, escape everything (autoescape on; ``SafeString`` from
``format_html`` passes as markup, as in Django's engine) and see only what the tag passes, the
filters below and ``url``. ``undefined`` is Jinja2's default: a missing attribute renders
nothing, as a missing variable does in Django's engine.
"""

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import jinja2
from django.conf import settings
from django.template.defaultfilters import truncatechars
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from safeguard.core.templatetags import safeguard as filters

FRAGMENTS_DIR = settings.BASE_DIR / "safeguard" / "jinja2"


def _date(value, arg=None):
    # Django's engine converts aware datetimes to local time for this filter; so does this one.
    return filters.date(template_localtime(value), arg)


# Django's reverse() costs about 45 µs; a table with two links a row spent milliseconds on it.
# A route's shape (its address with a stand-in for each argument, and which arguments must be
# digits) is worked out once by reverse() itself; each link then fills the shape in. Anything
# the shape cannot vouch for goes to reverse(), which gives the address or the error.
_STAND_IN = 9_137_000_000
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")  # characters reverse() leaves as they are


@dataclass(frozen=True)
class _Shape:
    parts: tuple[str, ...]  # the address split at each argument
    digits: tuple[bool, ...]  # whether each argument must be a number


@lru_cache(maxsize=512)
def _shape(prefix: str, name: str, count: int) -> _Shape | None:
    stand_ins = [str(_STAND_IN + i) for i in range(count)]
    try:
        address = reverse(name, args=stand_ins)
    except NoReverseMatch:
        return None
    parts = [address]
    for stand_in in stand_ins:
        before, found, after = parts[-1].partition(stand_in)
        if not found or stand_in in after:
            return None
        parts[-1:] = [before, after]
    digits = []
    for i in range(count):
        try:
            reverse(name, args=[*stand_ins[:i], "x", *stand_ins[i + 1 :]])
            digits.append(False)
        except NoReverseMatch:
            digits.append(True)
    return _Shape(tuple(parts), tuple(digits))


def _url(name, *args):
    shape = _shape(get_script_prefix(), name, len(args))
    if shape is not None:
        texts = []
        for arg, digits in zip(args, shape.digits, strict=True):
            text = str(arg)
            if not (text.isascii() and (text.isdigit() if digits else _PLAIN.fullmatch(text))):
                break
            texts.append(text)
        else:
            parts = shape.parts
            return parts[0] + "".join(t + p for t, p in zip(texts, parts[1:], strict=True))
    return reverse(name, args=args)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FRAGMENTS_DIR),
        autoescape=True,
        auto_reload=settings.DEBUG,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date=_date,
        level_tag=filters.level_tag,
        lookup=filters.lookup,
        truncatechars=truncatechars,
    )
    env.globals["url"] = _url
    return env


def render_fragment(name: str, **context) -> str:
    """The fragment ``name`` rendered with ``context``, as markup for a Django template."""
    return mark_safe(environment().get_template(name).render(context))  # noqa: S308
