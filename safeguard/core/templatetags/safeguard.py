from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``{{ rules|lookup:item.rule }}``: a dict entry by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
