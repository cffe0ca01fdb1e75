from django import template

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as h:mm:ss, or m:ss under an hour."""
    try:
        total = int(round(float(seconds)))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(0, total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
