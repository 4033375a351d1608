"""Small SVG charts drawn on the server: an attendance sparkline and the survival chart.

Pure: numbers and already-translated words in, escaped SVG out. Each chart carries a text
alternative (role="img" with a title and a description); the page shows the same numbers in a
table beside the survival chart.
"""

from markupsafe import Markup, escape

SPARK_STEP = 8
SPARK_HEIGHT = 22
# Line patterns tell the cohorts apart without relying on colour.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")


def sparkline(points: list[tuple[int, int | None, str]], label: str, max_people: int = 5) -> Markup:
    """Attendance per week as a tiny line; weeks without a held meeting show as a gap or a mark.

    ``points`` are (week, people present or None, kind) in week order; ``label`` is the text
    alternative, already in the reader's language.
    """
    width = SPARK_STEP * max(len(points), 1) + 4
    top, bottom = 3, SPARK_HEIGHT - 3

    def y(count: int) -> float:
        return bottom - (bottom - top) * min(count, max_people) / max_people

    parts = []
    segment: list[str] = []
    for index, (_week, count, kind) in enumerate(points):
        x = 2 + SPARK_STEP * index + SPARK_STEP / 2
        if count is not None:
            segment.append(f"{x:.1f},{y(count):.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y(count):.1f}" r="1.6" class="spark-dot"/>')
            continue
        if len(segment) > 1:
            parts.append(f'<polyline points="{" ".join(segment)}" class="spark-line"/>')
        segment = []
        if kind in ("not_held", "not_recorded"):
            parts.append(
                f'<line x1="{x - 2:.1f}" y1="{bottom:.1f}" x2="{x + 2:.1f}" '
                f'y2="{bottom:.1f}" class="spark-miss"/>'
            )
    if len(segment) > 1:
        parts.append(f'<polyline points="{" ".join(segment)}" class="spark-line"/>')
    return Markup(  # noqa: S704 - numbers and escaped words only
        f'<svg class="sparkline" width="{width}" height="{SPARK_HEIGHT}" '
        f'viewBox="0 0 {width} {SPARK_HEIGHT}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(parts)}</svg>"
    )


def survival_chart(
    cohorts, title: str, description: str, week_label: str, axis_label: str
) -> Markup:
    """Lines of how many circles of each start month reached week 1 to 12.

    ``cohorts`` have ``month``, ``started`` and ``reached`` (12 counts); the texts come
    translated. Week 0 is the start, so every line begins at the number of circles started.
    """
    width, height = 560, 260
    left, right, top, bottom = 44, 90, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    biggest = max((c.started for c in cohorts), default=0) or 1

    def x(week: int) -> float:
        return left + plot_w * week / 12

    def y(count: int) -> float:
        return top + plot_h * (1 - count / biggest)

    parts = [
        f'<title id="survival-title">{escape(title)}</title>',
        f'<desc id="survival-desc">{escape(description)}</desc>',
    ]
    # Axes, week ticks and the count scale.
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" class="axis"/>'
    )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="axis"/>')
    for week in range(0, 13):
        parts.append(
            f'<text x="{x(week):.1f}" y="{top + plot_h + 14}" class="tick" '
            f'text-anchor="middle">{week}</text>'
        )
    for count in sorted({0, biggest // 2, biggest}):
        parts.append(
            f'<text x="{left - 6}" y="{y(count) + 4:.1f}" class="tick" '
            f'text-anchor="end">{count}</text>'
        )
        parts.append(
            f'<line x1="{left}" y1="{y(count):.1f}" x2="{left + plot_w}" '
            f'y2="{y(count):.1f}" class="grid"/>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" class="axis-label" '
        f'text-anchor="middle">{escape(week_label)}</text>'
    )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" class="axis-label" '
        f'text-anchor="middle" transform="rotate(-90 12 {top + plot_h / 2:.1f})">'
        f"{escape(axis_label)}</text>"
    )
    labels = []
    for index, cohort in enumerate(cohorts):
        counts = (cohort.started, *cohort.reached)
        points = " ".join(f"{x(week):.1f},{y(count):.1f}" for week, count in enumerate(counts))
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{points}" class="survival-line line-{index % 6}"{dash_attr}/>'
        )
        labels.append([y(counts[-1]) + 4, index, cohort.month])
    # Month names at the line ends, pushed apart where lines end at the same count.
    labels.sort()
    for previous, label in zip(labels, labels[1:], strict=False):
        label[0] = max(label[0], previous[0] + 11)
    for label_y, index, month in labels:
        parts.append(
            f'<text x="{x(12) + 6:.1f}" y="{label_y:.1f}" '
            f'class="line-label line-{index % 6}">{escape(month)}</text>'
        )
    return Markup(  # noqa: S704 - numbers and escaped words only
        f'<svg class="survival-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="survival-title survival-desc">{"".join(parts)}</svg>'
    )
