"""Rows rendered by Jinja2 (``safeguard.core.fragments``) escape what people typed, keep the
markup the filters make, and show dates and levels as the Django pages do."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from safeguard.core.fragments import _url, environment, render_fragment
from safeguard.core.templatetags import safeguard as tags
from tests.factories import PersonFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_text_is_escaped_and_safe_markup_is_kept():
    template = environment().from_string("{{ name }} {{ tag }}")
    shown = template.render(
        name='<script>alert("x")</script>', tag=format_html("<strong>{}</strong>", "<b>")
    )
    assert shown == ("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <strong>&lt;b&gt;</strong>")


def test_an_aware_time_is_dated_in_uk_time_as_on_django_pages():
    # 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (summer time).
    moment = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    jinja = environment().from_string('{{ moment|date("j M Y") }}').render(moment=moment)
    django = Template('{{ moment|date:"j M Y" }}').render(Context({"moment": moment}))
    assert jinja == django == "1 Apr 2026"


@pytest.mark.parametrize(
    "level, shown",
    [
        ("very_high", "govuk-tag--red"),
        ("not_known", "Not known: treat as at risk"),
        ("low", "govuk-tag--green"),
        ("", "Not screened"),
        (None, "Not screened"),
    ],
)
def test_a_level_shows_as_its_tag_and_not_known_is_never_hidden(level, shown):
    assert shown in tags.level_tag(level, "Not screened")


def test_the_caseload_row_escapes_a_typed_name(org, client):
    person = org["people"]["mine"]
    person.first_name = '<img src=x onerror="alert(1)">'
    person.save()
    client.force_login(org["staff"]["practitioner"])
    html = client.get("/caseload/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert f'href="/people/{person.crn}/"' in html


def test_a_missing_value_renders_nothing_as_in_django_templates(db):
    person = PersonFactory.build(practitioner=None)
    shown = render_fragment("people/_person_rows.jinja", people=[person])
    assert "Unallocated" in shown
    assert "None" not in shown.replace("Not in custody", "").replace("Not assessed", "")


# ---- links in fragments: the same address as reverse(), or its error --------------------

ROUTES = [
    ("people:detail", ("str",)),
    ("registrations:review", ("str", "int")),
    ("work_reassign", ("int",)),
]
ANY_ARGUMENT = st.one_of(
    st.integers(min_value=-5, max_value=10**12),
    st.text(max_size=12),
    st.from_regex(r"[A-Z][0-9]{6}", fullmatch=True),
    st.booleans(),
)


def _reverse_or_error(name, args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return NoReverseMatch


@hypothesis_settings(max_examples=400, deadline=None)
@given(route=st.sampled_from(ROUTES), data=st.data())
def test_a_fragment_link_is_what_reverse_gives(route, data):
    name, kinds = route
    args = [data.draw(ANY_ARGUMENT) for _ in kinds]
    expected = _reverse_or_error(name, args)
    if expected is NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            _url(name, *args)
    else:
        assert _url(name, *args) == expected


def test_a_link_with_the_wrong_number_of_arguments_fails_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        _url("people:detail")
    with pytest.raises(NoReverseMatch):
        _url("people:detail", "A000001", 2)
    assert _url("people:detail", "A000001") == "/people/A000001/"
