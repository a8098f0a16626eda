"""Which pathways a person's needs point to. ``suggest`` is a pure function of the needs and, for
single-sex services only, of the person's sex and gender identity as each service states: the
equal-treatment property test holds it to that."""

from dataclasses import dataclass

from safeguard.pathways.catalogue import Pathway, catalogue, single_sex_eligible


@dataclass(frozen=True)
class Suggestion:
    pathway: Pathway
    needs: tuple[str, ...]  # the person's needs it meets


def suggest(needs, *, sex: str, gender_identity: str) -> list[Suggestion]:
    """Every pathway that meets at least one of ``needs``, in catalogue order, leaving out a
    single-sex service the person is not among those it is for."""
    wanted = set(needs)
    found = []
    for pathway in catalogue().pathways.values():
        met = tuple(n for n in pathway.needs if n in wanted)
        if not met:
            continue
        if not single_sex_eligible(pathway.single_sex, sex=sex, gender_identity=gender_identity):
            continue
        found.append(Suggestion(pathway, met))
    return found
