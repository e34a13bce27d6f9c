"""Server-side SVG charts (pygal) and the CSV behind each.

The series come with the words to show (the caller translates labels and column names);
what pygal would write itself, the empty chart's text, is a parameter too.
"""

from __future__ import annotations

import csv
import io
import math
import re

import pygal
from pygal.style import Style

from .exports import neutralise
from .stats import Series

# Large type and a palette that survives grayscale printing.
STYLE = Style(
    font_family="system-ui, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    title_font_size=18,
    colors=("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#555555"),
)


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def bar_svg(series: Series, title: str, stacked: bool = False, no_data: str = "No data") -> str:
    """A bar chart of the series as an SVG document (no JavaScript)."""
    chart_class = pygal.StackedBar if stacked else pygal.Bar
    chart = chart_class(
        style=STYLE,
        title=title,
        disable_xml_declaration=False,
        js=[],  # no scripts: the chart must render under a strict CSP
        x_label_rotation=30 if len(series.labels) > 6 else 0,
        print_values=True,
        no_data_text=no_data,
        width=800,
        height=400,
    )
    top = max(
        (sum(col) if stacked else max(col) for col in zip(*series.columns.values(), strict=True)),
        default=0,
    )
    if top:  # a period with nothing in it says so (``no_data``) instead of drawing zeros
        chart.x_labels = series.labels
        # Counts are whole numbers: label the axis with integers only.
        step = max(1, math.ceil(top / 8))
        chart.y_labels = list(range(0, top + step + 1, step))
        for name, values in series.columns.items():
            chart.add(name, values)
    # pygal still inlines a config script for its tooltips; charts are shown as images.
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def series_csv(series: Series, row_header: str = "label") -> str:
    """The numbers behind a chart, one row per label, under ``row_header`` and the columns.
    Labels are names people typed (departments), so they are neutralised like the roster's."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([row_header, *series.columns])
    for i, label in enumerate(series.labels):
        writer.writerow([neutralise(label), *(series.columns[c][i] for c in series.columns)])
    return out.getvalue()
