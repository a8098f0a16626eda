"""Rows rendered by Jinja2 (``safeguard.core.fragments``) escape what people typed, keep the
markup the filters make, and show dates and levels as the Django pages do."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils.html import format_html

from safeguard.core.fragments import environment, render_fragment
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
