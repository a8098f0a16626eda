"""The template catalogue: one place, every field declared, nothing a person should not read."""

import re

import pytest

from safeguard.notify.catalogue import TEMPLATES, MissingPersonalisation, template

OFFENCE_WORDS = re.compile(r"\b(offen[cs]e|convict|crime|breach|recall|prison|court)\w*", re.I)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_declared_fields_are_exactly_the_placeholders(key):
    t = TEMPLATES[key]
    assert set(t.fields) == t.placeholders(), key
    assert set(t.secret_fields) <= set(t.fields)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_templates_are_plain_and_say_nothing_about_offences(key):
    t = TEMPLATES[key]
    assert not OFFENCE_WORDS.search(t.subject + t.body)
    if t.channel == "sms":
        rendered = t.render({f: "x" * 10 for f in t.fields})[1]
        assert len(rendered) <= 306, "a reminder text should fit in two text messages"


def test_ids_are_unique_and_can_be_set_per_environment(settings):
    assert len({t.id for t in TEMPLATES.values()}) == len(TEMPLATES)
    settings.NOTIFY_TEMPLATE_IDS = {"check_in_link_sms": "11111111-2222-4333-8444-555555555555"}
    assert template("check_in_link_sms").id == "11111111-2222-4333-8444-555555555555"


def test_missing_personalisation_is_refused_before_anything_is_queued():
    with pytest.raises(MissingPersonalisation):
        template("appointment_reminder_sms").render({"first_name": "Alex"})
