"""Who may sign in through single sign-on, and as what.

A ``SignInMapping`` turns a value of a claim the identity provider sends (a group, an app role)
into a role and a place (team, PDU or region). Administrators keep the table in the admin site;
someone whose claims match no row is not signed in, and is told why. A ``SignInIdentity`` ties
an account at the provider (its issuer and subject) to a member of staff: accounts are matched
by that alone, never by username or email, so nobody at the provider can take over a local
account by choosing its name.
"""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from safeguard.core.models import PDU, Region, Role, Staff, Team

# Where each role works: the place a mapping must name for it (None: the whole country).
PLACE_NEEDED = {
    Role.PRACTITIONER: "team",
    Role.SENIOR_PROBATION_OFFICER: "team",
    Role.HEAD_OF_PDU: "pdu",
    Role.REGIONAL_LEAD: "region",
}


class SignInMapping(models.Model):
    """One claim value (such as a group) and the role and place it gives."""

    claim = models.CharField(
        max_length=64,
        default="groups",
        help_text="The claim in the identity provider's ID token or user information, "
        "such as groups or roles.",
    )
    value = models.CharField(
        max_length=200,
        help_text="The value the claim must hold (one of its values, when it is a list), such "
        "as a group's name or object id.",
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Practitioners and senior probation officers: their team.",
    )
    pdu = models.ForeignKey(
        PDU,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="PDU",
        help_text="Heads of PDU: their PDU (or name a team, and its PDU is used).",
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Regional leads: their region (or name a PDU or team in it).",
    )
    note = models.CharField(max_length=200, blank=True, help_text="What this group is.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "value"]
        verbose_name = "sign-in mapping"
        constraints = [
            models.UniqueConstraint(fields=["claim", "value"], name="signinmapping_unique_value")
        ]

    def __str__(self):
        return f"{self.claim} = {self.value} → {self.get_role_display()}"

    # The place, most specific first, with what it implies above it.
    @property
    def place_pdu(self) -> PDU | None:
        if self.team_id:
            return self.team.pdu
        return self.pdu

    @property
    def place_region(self) -> Region | None:
        pdu = self.place_pdu
        return pdu.region if pdu is not None else self.region

    def clean(self):
        errors = {}
        needed = PLACE_NEEDED.get(self.role)
        if needed == "team" and not self.team_id:
            errors["team"] = "Choose the team this role works in."
        elif needed == "pdu" and not (self.pdu_id or self.team_id):
            errors["pdu"] = "Choose the PDU this role leads."
        elif needed == "region" and not (self.region_id or self.pdu_id or self.team_id):
            errors["region"] = "Choose the region this role covers."
        if self.team_id and self.pdu_id and self.team.pdu_id != self.pdu_id:
            errors["pdu"] = "The team is in another PDU: leave the PDU empty or choose its own."
        pdu = self.place_pdu
        if self.region_id and pdu is not None and pdu.region_id != self.region_id:
            errors["region"] = "The PDU is in another region: leave the region empty."
        if needed is None and (self.team_id or self.pdu_id or self.region_id):
            errors["role"] = "This role covers the whole country: leave team, PDU and region empty."
        if errors:
            raise ValidationError(errors)


class SignInIdentity(models.Model):
    """An account at the identity provider, and the member of staff it signs in as."""

    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="sign_in_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="signinidentity_unique")
        ]

    def __str__(self):
        return f"{self.staff} at {self.issuer}"
