"""Charts rendered on the server as inline SVG: no JavaScript, nothing for the CSP to
allow, readable without colour (values are printed beside the bars and points), and
each chart carries a text alternative.

    bar_chart([("Agree", 12), ("Neutral", 3)], label="Answers to question 1")
    line_chart([("Jan 2026", 4.2), ("Feb 2026", None), ("Mar 2026", 4.5)], label="Satisfaction", y_max=5)

Both return a ``SafeString``; put it in a template with ``{{ chart }}``. Colours come from
CSS classes (``static/css/app.css``: ``.chart-bar``, ``.chart-line``...), not from style
attributes.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_ROW = 28  # height of one bar row
_LABEL_W = 170  # room for the category labels
_BAR_W = 260  # the longest bar
_VALUE_W = 70  # room for the value printed after each bar


def _number(value: float) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _shorten(text: str, limit: int = 26) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    label: str,
    max_value: float | None = None,
    unit: str = "",
    css_class: str = "",
) -> SafeString:
    """Horizontal bars, one per (category, value); the value is printed after the bar."""
    rows = [(str(name), float(value or 0)) for name, value in rows]
    if not rows:
        return format_html('<p class="text-body-secondary small mb-0">{}</p>', "No data yet.")
    top = max_value if max_value else max((value for _, value in rows), default=0) or 1
    width = _LABEL_W + _BAR_W + _VALUE_W
    height = _ROW * len(rows) + 4
    parts = []
    for index, (name, value) in enumerate(rows):
        y = index * _ROW + 2
        bar = 0 if top <= 0 else round(_BAR_W * min(value, top) / top, 1)
        parts.append(
            format_html(
                "<g><title>{name}: {value}{unit}</title>"
                '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
                '<rect class="chart-bar" x="{bx}" y="{by}" width="{bw}" height="{bh}" rx="3"></rect>'
                '<text class="chart-value" x="{vx}" y="{ty}">{value}{unit}</text></g>',
                name=name,
                short=_shorten(name),
                value=_number(value),
                unit=unit,
                lx=_LABEL_W - 8,
                ty=y + _ROW / 2 + 4,
                bx=_LABEL_W,
                by=y + 4,
                bw=max(bar, 1 if value else 0),
                bh=_ROW - 10,
                vx=_LABEL_W + bar + 6,
            )
        )
    return format_html(
        '<svg class="chart {cls}" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{body}</svg>',
        cls=css_class,
        w=width,
        h=height,
        label=label,
        body=mark_safe("".join(parts)),  # noqa: S308 — each part was built with format_html
    )


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    label: str,
    y_max: float | None = None,
    y_min: float = 0,
    unit: str = "",
) -> SafeString:
    """A line over labelled periods; ``None`` leaves a gap (e.g. too few answers)."""
    points = [(str(name), None if value is None else float(value)) for name, value in points]
    if not any(value is not None for _, value in points):
        return format_html('<p class="text-body-secondary small mb-0">{}</p>', "No data yet.")
    left, right, top_pad, bottom = 44, 16, 14, 40
    plot_w = max(60 * (len(points) - 1), 240)
    plot_h = 150
    width, height = left + plot_w + right, top_pad + plot_h + bottom
    high = y_max if y_max is not None else max(value for _, value in points if value is not None) or 1
    span = (high - y_min) or 1
    step = plot_w / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return round(left + index * step, 1), round(top_pad + plot_h - (value - y_min) / span * plot_h, 1)

    grid = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (left, y, left + plot_w, y, left - 6, y + 4, _number(y_min + span * fraction))
            for fraction in (0, 0.5, 1)
            for y in [round(top_pad + plot_h - fraction * plot_h, 1)]
        ),
    )
    segments, current = [], []
    for index, (_, value) in enumerate(points):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(index, value))
    if current:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline class="chart-line" points="{}" fill="none"></polyline>',
        ((" ".join(f"{x},{y}" for x, y in segment),) for segment in segments),
    )
    dots = format_html_join(
        "",
        '<g><title>{}: {}{}</title><circle class="chart-dot" cx="{}" cy="{}" r="4"></circle>'
        '<text class="chart-value" x="{}" y="{}" text-anchor="middle">{}</text></g>',
        (
            (
                name,
                _number(value),
                unit,
                *xy(index, value),
                xy(index, value)[0],
                xy(index, value)[1] - 8,
                _number(value),
            )
            for index, (name, value) in enumerate(points)
            if value is not None
        ),
    )
    ticks = format_html_join(
        "",
        '<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (round(left + index * step, 1), top_pad + plot_h + 18, _shorten(name, 10))
            for index, (name, _) in enumerate(points)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{grid}{lines}{dots}{ticks}</svg>',
        w=width,
        h=height,
        label=label,
        grid=grid,
        lines=lines,
        dots=dots,
        ticks=ticks,
    )
