"""The one small-number rule for every published figure: counts of 1 to 4 are hidden.

Secondary suppression: where a total is published beside a set of counts and exactly one of
them is hidden, the next smallest is hidden too, so the hidden one cannot be worked out by
subtraction. Every insight page, export and API that publishes counts uses these functions.
"""

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"


def is_small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SUPPRESS_BELOW


def suppress_values(values: list, *, secondary: bool) -> list:
    """Replace counts of 1 to 4 with "<5" (with ``secondary``, see the module's note)."""
    hidden = [is_small(v) for v in values]
    if secondary and sum(hidden) == 1:
        others = [
            (v, i) for i, v in enumerate(values) if not hidden[i] and isinstance(v, int) and v > 0
        ]
        if others:
            hidden[min(others)[1]] = True
    return [SUPPRESSED if h else v for v, h in zip(values, hidden, strict=True)]


def suppress_one(value):
    return SUPPRESSED if is_small(value) else value


def suppressed_rows(rows: list[list[int]], *, secondary: bool = True) -> list[bool]:
    """Which rows of a breakdown to hide whole: each row lists the counts it publishes or lets
    a reader work out (for a rate: the number, the events and those without the event). A row
    is hidden when any of them is 1 to 4; with ``secondary`` (a total is published, or can be
    added up), when exactly one row is hidden the next smallest (by its first count) is hidden
    too, so that no hidden row can be worked out by subtraction."""
    hidden = [any(is_small(v) for v in row) for row in rows]
    if secondary and sum(hidden) == 1:
        others = [(row[0], i) for i, row in enumerate(rows) if not hidden[i] and row and row[0] > 0]
        if others:
            hidden[min(others)[1]] = True
    return hidden
