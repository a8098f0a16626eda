"""MAPPA roles of partner agencies (issue 19): police, prisons and probation are the
Responsible Authority; the duty-to-co-operate agencies are others (local authority social care
and housing, health, ...). The flag is data, loaded and corrected by a migration."""

import pytest

from safeguard.referrals import catalogue
from safeguard.referrals.models import Agency

pytestmark = pytest.mark.django_db


def _flags_by_kind():
    return {
        kind: set(Agency.objects.filter(kind=kind).values_list("is_duty_to_cooperate", flat=True))
        for kind in Agency.objects.values_list("kind", flat=True).distinct()
    }


def test_police_are_the_responsible_authority_not_duty_to_co_operate():
    flags = _flags_by_kind()
    assert flags["police"] == {False}
    for kind in ("adult_social_care", "housing", "mental_health"):
        assert flags[kind] == {True}, kind
    for kind in ("substance_misuse", "gp", "panel"):
        assert flags[kind] == {False}, kind
    assert catalogue.mappa_roles()["responsible_authority_kinds"] == ["police"]


def test_the_migration_corrects_agencies_already_stored():
    Agency.objects.filter(kind="police").update(is_duty_to_cooperate=True)
    Agency.objects.filter(kind="housing").update(is_duty_to_cooperate=False)
    catalogue.set_mappa_roles()
    flags = _flags_by_kind()
    assert flags["police"] == {False} and flags["housing"] == {True}
