"""The person page is built from sections that each area provides.

``settings.SAFEGUARD_PERSON_SECTIONS`` lists functions ``(request, person, today)`` that return a
``Section`` (or None to show nothing). Each must run a fixed number of queries, whatever the
size of the case, so that the page's query count stays fixed.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class Section:
    template: str
    context: dict = field(default_factory=dict)
    position: str = "main"  # "top" sections come first: the integrated risk picture


def person_sections(request, person, today) -> dict[str, list[Section]]:
    by_position: dict[str, list[Section]] = {"top": [], "main": []}
    for path in settings.SAFEGUARD_PERSON_SECTIONS:
        section = import_string(path)(request, person, today)
        if section is not None:
            by_position.setdefault(section.position, []).append(section)
    return by_position
