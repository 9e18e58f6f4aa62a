"""The geometry of the insight charts, drawn as SVG by the templates in ``web/charts/``.

Hand-written on purpose: four small chart shapes (bars, columns with a line, a heat map and a
layered dependency graph) do not justify a plotting library, and SVG drawn on the server needs no
JavaScript and no inline style (only presentation attributes such as ``fill``), so it passes the
coming Content-Security-Policy. Each function takes the rows a selector returns and gives back
plain numbers for the template; every chart has its table next to it, for people who cannot see
it.
"""

from __future__ import annotations

from typing import Any

# GOV.UK Frontend's palette.
BLUE = "#1d70b8"
DARK_BLUE = "#003078"
LIGHT_BLUE = "#5694ca"
GREEN = "#00703c"
PURPLE = "#4c2c92"
GREY = "#b1b4b6"
RED = "#d4351c"
BLACK = "#0b0c0c"
WHITE = "#ffffff"

# Most advanced first, as ``platforms.selectors.profiles.STATUS_ORDER``.
STATUS_FILLS = {
    "in_use": DARK_BLUE,
    "piloting": BLUE,
    "planned": LIGHT_BLUE,
    "exploring": "#b4d5f0",
    "stopped": GREY,
}


def short(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, with an ellipsis when cut (the full text goes in the
    shape's <title>)."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def bars(rows: list[dict[str, Any]], *, label_width: int = 240, width: int = 640) -> dict:
    """Horizontal bars, one per row: ``{"label", "value"}`` and optionally ``"part"`` (a darker
    share drawn over the bar, e.g. organisations on several platforms)."""
    row_height, top = 28, 4
    top_value = max([r["value"] for r in rows] + [1])
    plot = width - label_width - 60
    out = []
    for n, row in enumerate(rows):
        y = top + n * row_height
        length = round(plot * row["value"] / top_value) if row["value"] else 0
        part = row.get("part") or 0
        out.append(
            {
                **row,
                "short": short(row["label"], label_width // 8),
                "y": y,
                "bar_y": y + 4,
                "text_y": y + 18,
                "length": max(length, 1),
                "part_length": round(plot * part / top_value) if part else 0,
                "value_x": label_width + length + 6,
            }
        )
    return {
        "width": width,
        "height": top + len(rows) * row_height + 4,
        "label_width": label_width,
        "label_x": label_width - 8,
        "rows": out,
    }


def columns(rows: list[dict[str, Any]], *, key: str, line: str | None = None) -> dict:
    """Vertical columns, one per row (a quarter), of ``row[key]``; with ``line``, also a line of
    ``row[line]`` on the same scale (adopters in use over the quarters)."""
    step = 36 if len(rows) <= 24 else max(8, 864 // max(len(rows), 1))
    left, top, plot_height = 48, 12, 200
    values = [r[key] for r in rows] + ([r[line] for r in rows] if line else [])
    top_value = max(values + [1])
    base = top + plot_height

    def y_of(value: float) -> int:
        return base - round(plot_height * value / top_value)

    out, points, dots = [], [], []
    label_every = max(1, len(rows) // 12)
    for n, row in enumerate(rows):
        x = left + n * step
        out.append(
            {
                **row,
                "value": row[key],
                "x": x + 3,
                "y": y_of(row[key]),
                "width": step - 6,
                "height": base - y_of(row[key]),
                "label": row.get("quarter", ""),
                "label_x": x + step // 2,
                "show_label": n % label_every == 0,
            }
        )
        if line:
            points.append(f"{x + step // 2},{y_of(row[line])}")
            dots.append({"x": x + step // 2, "y": y_of(row[line])})
    ticks = sorted({0, top_value // 2, top_value}) if top_value > 1 else [0, 1]
    return {
        "width": left + len(rows) * step + 12,
        "height": base + 48,
        "left": left,
        "base": base,
        "right": left + len(rows) * step,
        "label_y": base + 18,
        "rows": out,
        "points": " ".join(points),
        "dots": dots,
        "ticks": [{"value": t, "y": y_of(t), "text_y": y_of(t) + 4} for t in ticks],
    }


def heatmap(
    platforms: list[dict[str, Any]], organisations: list[dict[str, Any]], cells: dict
) -> dict:
    """A grid: a column per platform, a row per organisation, each cell filled by the status of
    the organisation's adoption of the platform (``cells[(organisation, platform)]``)."""
    cell, label_width, header = 22, 250, 170
    columns_out = [
        {
            **p,
            "short": short(p["platform"]["name"], 26),
            "x": label_width + n * cell,
            "text_x": label_width + n * cell + 15,
        }
        for n, p in enumerate(platforms)
    ]
    rows_out = []
    for n, organisation in enumerate(organisations):
        y = header + n * cell
        slug = organisation["organisation"]["slug"]
        rows_out.append(
            {
                **organisation,
                "short": short(organisation["organisation"]["name"], 34),
                "y": y,
                "text_y": y + 15,
                "cells": [
                    {
                        "x": column["x"] + 1,
                        "status": cells.get((slug, column["platform"]["slug"])),
                        "fill": STATUS_FILLS.get(cells.get((slug, column["platform"]["slug"]))),
                        "platform": column["platform"]["name"],
                    }
                    for column in columns_out
                ],
            }
        )
    return {
        "width": label_width + len(platforms) * cell + 110,  # room for the last slanted name
        "height": header + len(organisations) * cell + 8,
        "cell": cell - 2,
        "label_x": label_width - 8,
        "header": header - 8,
        "columns": columns_out,
        "rows": rows_out,
    }


def graph(root: dict[str, str], nodes: list[dict[str, Any]], edges: list[tuple]) -> dict:
    """A layered drawing of a dependency graph: the platform asked about on the left, each
    dependent in the column of its depth. ``nodes``: ``{"slug", "name", "depth"}``; ``edges``:
    ``(dependency slug, dependent slug, in_cycle)``, drawn from the dependency to the dependent;
    an edge that goes back to a nearer column closes a cycle and is drawn as a red dashed arc."""
    column_width, node_width, node_height, row_height, margin = 230, 190, 34, 48, 10
    place: dict[str, dict[str, Any]] = {}
    per_depth: dict[int, int] = {}
    for node in [{**root, "depth": 0}, *nodes]:
        index = per_depth.get(node["depth"], 0)
        per_depth[node["depth"]] = index + 1
        x = margin + node["depth"] * column_width
        y = margin + index * row_height
        root_node = node["depth"] == 0
        place[node["slug"]] = {
            **node,
            "short": short(node["name"], 24),
            # Worded and coloured here, not by three tests per node in the template.
            "title": f"{node['name']} (the platform asked about)"
            if root_node
            else f"{node['name']}, {node['depth']} step{'' if node['depth'] == 1 else 's'} away",
            "fill": DARK_BLUE if root_node else WHITE,
            "text_fill": WHITE if root_node else BLACK,
            "x": x,
            "y": y,
            "text_x": x + 10,
            "text_y": y + 22,
            "root": root_node,
        }
    lines = []
    for source, target, in_cycle in edges:
        if source not in place or target not in place:
            continue
        a, b = place[source], place[target]
        backwards = b["depth"] <= a["depth"]
        x1, y1 = a["x"] + node_width, a["y"] + node_height // 2
        x2, y2 = b["x"], b["y"] + node_height // 2
        if backwards:  # round above the columns, back to the nearer one
            x1, x2 = a["x"] + node_width // 2, b["x"] + node_width // 2
            y1, y2 = a["y"], b["y"]
            lift = min(y1, y2) - 30
            path = f"M{x1},{y1} C{x1},{lift} {x2},{lift} {x2},{y2}"
        else:
            middle = (x1 + x2) // 2
            path = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2 - 6},{y2}"
        cycle = in_cycle or backwards
        label = f"{b['name']} depends on {a['name']}"
        lines.append(
            {
                "path": path,
                "cycle": cycle,
                "label": label,
                "title": f"{label} (closes a cycle)" if cycle else label,
            }
        )
    depth = max(per_depth)
    tallest = max(per_depth.values())
    return {
        "width": 2 * margin + depth * column_width + node_width,
        "height": 2 * margin + 30 + tallest * row_height,
        "node_width": node_width,
        "node_height": node_height,
        "nodes": list(place.values()),
        "edges": lines,
        "offset": 30,
    }
