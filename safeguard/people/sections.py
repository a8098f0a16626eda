"""The person page is built from sections that each area provides.

Each area registers functions ``(request, person, today)`` that return a ``Section`` (or None to
show nothing) in ``safeguard.core.registry.person_sections``, from its ``AppConfig.ready()``,
with the key that places it on the page. Each must run a fixed number of queries, whatever the
size of the case, so that the page's query count stays fixed.
"""

from dataclasses import dataclass, field

from safeguard.core import registry


@dataclass
class Section:
    template: str
    context: dict = field(default_factory=dict)
    position: str = "main"  # "top" sections come first: the integrated risk picture


def person_sections(request, person, today) -> dict[str, list[Section]]:
    by_position: dict[str, list[Section]] = {"top": [], "main": []}
    for build in registry.person_sections:
        section = build(request, person, today)
        if section is not None:
            by_position.setdefault(section.position, []).append(section)
    return by_position
