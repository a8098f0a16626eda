"""The person page is built from sections that each area provides.

Each area registers functions ``(request, person, today)`` that return a ``Section`` (or None to
show nothing) in ``safeguard.core.registry.person_sections``, from its ``AppConfig.ready()``,
with the key that places it on the page. Each must run a fixed number of queries, whatever the
size of the case, so that the page's query count stays fixed.

The printable case summary (``/people/<crn>/case-summary/`` and its PDF) is built from the same
sections, less those marked ``printable=False``: an action that is only a link or a form (record
a death) or something about the staff rather than the person (the practitioner's training).
"""

from dataclasses import dataclass, field

from safeguard.core import registry


@dataclass
class Section:
    template: str
    context: dict = field(default_factory=dict)
    position: str = "main"  # "top" sections come first: the integrated risk picture
    printable: bool = True  # in the case summary and its PDF as well as on the page
    # In the person page's sub-navigation: the heading's words and its id in the template.
    title: str = ""
    anchor: str = ""


def read_once(request, name: str, person, read):
    """``read(person)`` once per request and person: sections on the same page that show the
    same rows (the risk picture and the registrations, the two release panels) share one read.
    """
    kept = request.__dict__.setdefault(f"_read_once_{name}", {})
    if person.pk not in kept:
        kept[person.pk] = read(person)
    return kept[person.pk]


def person_sections(request, person, today, *, printable_only=False) -> dict[str, list[Section]]:
    by_position: dict[str, list[Section]] = {"top": [], "main": []}
    for build in registry.person_sections:
        section = build(request, person, today)
        if section is not None and (section.printable or not printable_only):
            by_position.setdefault(section.position, []).append(section)
    return by_position
