"""The corpus page's figures, drawn by matplotlib into static SVG at build time (no script runs
to show them): the stance map and the events by type over publication dates.

Both are grids with their numbers written in the cells, so colour never carries a value alone;
text stays text in the SVG (`svg.fonttype: none`) and the files are byte-identical from one build
to the next (no date, a fixed id salt).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

RC = {"svg.fonttype": "none", "svg.hashsalt": "pourparlers-site", "font.size": 9,
      "font.family": ["DejaVu Sans", "sans-serif"]}
MAX_ACTORS = 40   # rows of the stance map: the actors with the most stances


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "pourparlers site (matplotlib)"},
                   bbox_inches="tight")
    return buffer.getvalue()


def stance_map(actors: Sequence[str], targets: Sequence[str], cells: dict[tuple[str, str], dict[str, int]],
               polarities: Sequence[str], signs: dict[str, str], colours: dict[str, tuple[str, str]]) -> str:
    """Actors (rows) × targets (columns): each cell writes its stances by polarity sign and count
    (`+2 −1`) and takes the polarity's colour when it has one polarity only (white when mixed)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    with rc_context(RC):
        width = 2.6 + 0.62 * max(1, len(targets))
        height = 1.6 + 0.3 * max(1, len(actors))
        figure = Figure(figsize=(width, height))
        axes = figure.add_subplot()
        for row, actor in enumerate(actors):
            for column, target in enumerate(targets):
                counts = cells.get((actor, target))
                if not counts:
                    continue
                present = [p for p in polarities if counts.get(p)]
                fill = colours[present[0]][0] if len(present) == 1 else "#ffffff"
                axes.add_patch(Rectangle((column, row), 1, 1, facecolor=fill, edgecolor="#666666", linewidth=0.6))
                label = " ".join(f"{signs[p]}{counts[p]}" for p in present)
                axes.text(column + 0.5, row + 0.5, label, ha="center", va="center", fontsize=7, color="#111111")
        axes.set_xlim(0, max(1, len(targets)))
        axes.set_ylim(max(1, len(actors)), 0)
        axes.set_xticks([i + 0.5 for i in range(len(targets))], targets, rotation=55, ha="right")
        axes.set_yticks([i + 0.5 for i in range(len(actors))], actors)
        axes.tick_params(length=0)
        axes.set_axisbelow(True)
        axes.grid(False)
        for spine in axes.spines.values():
            spine.set_visible(False)
        axes.legend(handles=[Patch(facecolor=colours[p][0], edgecolor="#666666", label=f"{signs[p]} {p}")
                             for p in polarities] + [Patch(facecolor="#ffffff", edgecolor="#666666", label="mixed")],
                    loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(polarities) + 1, frameon=False)
        return _svg(figure)


def events_by_date(types: Sequence[str], dates: Sequence[str], counts: dict[tuple[str, str], int]) -> str:
    """Event types (rows) × publication dates (columns): the number of events in each cell,
    shaded by it (matplotlib's Blues), with the total of each date on top."""
    from matplotlib import colormaps, rc_context
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    with rc_context(RC):
        figure = Figure(figsize=(2.4 + 0.55 * max(1, len(dates)), 1.4 + 0.3 * max(1, len(types))))
        axes = figure.add_subplot()
        top = max(counts.values(), default=1)
        cmap, norm = colormaps["Blues"], Normalize(0, top * 1.6)   # light enough for black text
        for row, kind in enumerate(types):
            for column, date in enumerate(dates):
                n = counts.get((kind, date), 0)
                axes.add_patch(_cell(column, row, cmap(norm(n)) if n else "#ffffff"))
                if n:
                    axes.text(column + 0.5, row + 0.5, str(n), ha="center", va="center", fontsize=7, color="#111111")
        axes.set_xlim(0, max(1, len(dates)))
        axes.set_ylim(max(1, len(types)), 0)
        totals = [sum(counts.get((kind, date), 0) for kind in types) for date in dates]
        axes.set_xticks([i + 0.5 for i in range(len(dates))], dates, rotation=55, ha="right")
        axes.set_yticks([i + 0.5 for i in range(len(types))], types)
        top_axis = axes.secondary_xaxis("top")
        top_axis.set_xticks([i + 0.5 for i in range(len(dates))], [str(t) for t in totals])
        top_axis.set_xlabel("events per publication date (all types)")
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        return _svg(figure)


def _cell(column: int, row: int, colour):
    from matplotlib.patches import Rectangle

    return Rectangle((column, row), 1, 1, facecolor=colour, edgecolor="#999999", linewidth=0.5)
