from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``{{ rules|lookup:item.rule }}``: a dict entry by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def select_groups(bound_field):
    """A select's choices as [(group label or "", [(value, label, selected), ...]), ...] so that
    the GOV.UK select template can render optgroups."""
    current = bound_field.value()
    selected = {str(v) for v in current} if isinstance(current, list | tuple) else {str(current)}
    groups, loose = [], []
    for value, label in bound_field.field.choices:
        if isinstance(label, list | tuple):
            if loose:
                groups.append(("", loose))
                loose = []
            groups.append((value, [(v, lab, str(v) in selected) for v, lab in label]))
        else:
            loose.append((value, label, str(value) in selected))
    if loose:
        groups.append(("", loose))
    return groups
