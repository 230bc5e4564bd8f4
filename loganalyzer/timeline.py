"""The merged timeline of a diagnosis: a matplotlib figure (needs the ``[notebook]`` extra) or
the same picture as inline SVG for the HTML report (no dependency).

    >>> diagnosis = loganalyzer.diagnose("samples/linux-collector-logs.zip")
    >>> figure = diagnosis.timeline()                # or plot_timeline(diagnosis)
    >>> figure.savefig("timeline.png")
    >>> svg = timeline_svg(diagnosis)                # a string: <svg ...>...</svg>

One lane per input source (``waagent.log``, ``waagent.state``, ``windows.event``...). In each
lane, errors (red, above the lane's line) and warnings (orange, below it) are counted per time
bin, the marker growing with the count. Backup attempts (runs of the backup extension's events)
are shaded, the latest one has a dashed line, and the evidence of each finding at or above
``possible`` is marked with a star in its own colour (a hollow circle for counter-evidence).
Times are UTC.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pandas as pd

__all__ = ["backup_attempts", "plot_timeline", "timeline_data", "timeline_svg", "TimelineData"]

_BACKUP_EXTENSION = r"(?i)VMSnapshot|IaaSBcdr|RecoveryServices"
_LEVEL_STYLE = {"error": ("tab:red", 0.18), "warning": ("tab:orange", -0.18)}
_FINDING_COLOURS = ("tab:purple", "tab:green", "tab:blue", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")


def _utc(values: pd.Series) -> pd.Series:
    """A time column as numpy-backed UTC datetimes (NaT where there is no time)."""
    if len(values) == 0:
        return pd.Series([], dtype="datetime64[us, UTC]")
    return pd.to_datetime(values.astype(object), utc=True)


def _instant(value: datetime | str | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def backup_attempts(events: pd.DataFrame, gap: timedelta = timedelta(minutes=30)) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Runs of the backup extension's events (VMSnapshot, IaaSBcdr): ``(first, last)`` UTC times,
    a new run starting after ``gap`` without any of its events."""
    if events.empty:
        return []
    component = events["component"].astype(object).fillna("").astype(str)
    file = events["file"].astype(object).fillna("").astype(str)
    mask = component.str.contains(_BACKUP_EXTENSION, regex=True) | file.str.contains(_BACKUP_EXTENSION, regex=True)
    times = _utc(events.loc[mask, "time"]).dropna().sort_values()
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for stamp in times:
        if runs and stamp - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], stamp)
        else:
            runs.append((stamp, stamp))
    return runs


def _window(times: pd.Series, diagnosis, start, end, around) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if around is not None and diagnosis.attempt is not None:
        centre = _instant(diagnosis.attempt)
        return centre - around, centre + around
    known = times.dropna()
    if known.empty and (start is None or end is None):
        return None
    low = _instant(start) if start is not None else known.min()
    high = _instant(end) if end is not None else known.max()
    if high <= low:
        high = low + timedelta(minutes=1)
    return low, high


@dataclass
class TimelineData:
    """What both drawings show: lanes, binned errors and warnings, backup runs, marked evidence."""

    title: str
    window: tuple[pd.Timestamp, pd.Timestamp] | None
    lanes: list[str] = field(default_factory=list)
    #: per level: rows of (time at the bin's centre, lane index, count)
    points: dict[str, list[tuple[pd.Timestamp, int, int]]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    attempts: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    latest: pd.Timestamp | None = None
    #: (time, lane index, colour index, counter?, cause, confidence)
    marked: list[tuple[pd.Timestamp, int, int, bool, str, str]] = field(default_factory=list)
    width: pd.Timedelta | None = None
    untimed: int = 0


def timeline_data(
    diagnosis,
    *,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    around: timedelta | None = None,
    bins: int = 200,
    minimum: str = "possible",
    attempt_gap: timedelta = timedelta(minutes=30),
) -> TimelineData:
    """The timeline's content, independent of how it is drawn (see :func:`plot_timeline`)."""
    events = diagnosis.events
    times = _utc(events["time"]) if not events.empty else _utc(pd.Series([], dtype=object))
    levels = events["level"].astype(object).astype(str) if not events.empty else pd.Series([], dtype=object)
    sources = events["source"].astype(object).astype(str) if not events.empty else pd.Series([], dtype=object)
    findings = diagnosis.listed(minimum)[: len(_FINDING_COLOURS)]
    noisy = pd.DataFrame({"time": times.array, "level": levels.to_numpy(), "source": sources.to_numpy()})
    noisy = noisy[noisy["level"].isin(tuple(_LEVEL_STYLE)) & noisy["time"].notna()]
    marked = []
    for number, finding in enumerate(findings):
        for table, counter in ((finding.evidence, False), (finding.counter_evidence, True)):
            if table is None or table.empty:
                continue
            for stamp, source in zip(_utc(table["time"]), table["source"].astype(object).astype(str)):
                if not pd.isna(stamp):
                    marked.append((stamp, source, number, counter, finding.cause, finding.confidence))
    data = TimelineData(title=f"{diagnosis.bundle}: errors and warnings per source (UTC)", window=None, untimed=int(times.isna().sum()))
    window = _window(times, diagnosis, start, end, around)
    if window is None:
        return data
    low, high = window
    data.window = window
    noisy = noisy[(noisy["time"] >= low) & (noisy["time"] <= high)]
    marked = [m for m in marked if low <= m[0] <= high]
    data.lanes = sorted(set(noisy["source"]) | {m[1] for m in marked}) or ["(no errors or warnings)"]
    lane_of = {source: number for number, source in enumerate(data.lanes)}
    data.width = (high - low) / max(1, bins)
    for level in _LEVEL_STYLE:
        rows = noisy[noisy["level"] == level]
        if rows.empty:
            continue
        slot = ((rows["time"] - low) / data.width).astype(int).clip(upper=bins - 1)
        counted = rows.assign(slot=slot.values).groupby(["source", "slot"]).size().reset_index(name="count")
        data.points[level] = [
            (low + data.width * (s + 0.5), lane_of[source], int(count))
            for source, s, count in zip(counted["source"], counted["slot"], counted["count"])
        ]
        data.totals[level] = len(rows)
    data.attempts = [(a, b) for a, b in backup_attempts(events, attempt_gap) if b >= low and a <= high]
    if diagnosis.attempt is not None and low <= _instant(diagnosis.attempt) <= high:
        data.latest = _instant(diagnosis.attempt)
    data.marked = [(stamp, lane_of[source], number, counter, cause, word) for stamp, source, number, counter, cause, word in marked]
    return data


def plot_timeline(
    diagnosis,
    *,
    ax=None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    around: timedelta | None = None,
    bins: int = 200,
    minimum: str = "possible",
    figsize: tuple[float, float] | None = None,
    attempt_gap: timedelta = timedelta(minutes=30),
):
    """Draw the diagnosis' merged timeline and return the matplotlib ``Figure``.

    ``start`` / ``end`` bound the time axis (default: every timed event); ``around`` shows that
    much on each side of the latest backup attempt instead. ``bins`` time bins share the axis;
    ``minimum`` is the lowest confidence whose findings are marked. With ``ax`` the timeline is
    drawn into that Axes (its figure is returned).
    """
    try:
        import matplotlib.dates as mdates
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError as error:
        raise ImportError("the timeline needs matplotlib: pip install 'loganalyzer[notebook]'") from error

    data = timeline_data(diagnosis, start=start, end=end, around=around, bins=bins, minimum=minimum, attempt_gap=attempt_gap)
    if ax is None:
        figure = Figure(figsize=figsize or (11, 1.6 + 0.55 * max(1, len(data.lanes))), layout="constrained")
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    ax.set_title(data.title, fontsize=10, loc="left")
    if data.window is None:
        ax.text(0.5, 0.5, "no timed events in this bundle", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        ax.set_xticks([])
        return figure
    low, high = data.window
    width = data.width
    legend = []
    for level, (colour, offset) in _LEVEL_STYLE.items():
        points = data.points.get(level)
        if not points:
            continue
        ax.scatter([p[0] for p in points], [p[1] + offset for p in points], s=[14 + 26 * math.sqrt(p[2]) for p in points],
                   c=colour, alpha=0.75, marker="o", linewidths=0, zorder=3)
        legend.append(Line2D([], [], marker="o", ls="", color=colour, label=f"{level}s ({data.totals[level]})"))
    for first, last in data.attempts:
        ax.axvspan(first - width / 2, last + width / 2, color="tab:blue", alpha=0.12, zorder=1)
    if data.attempts:
        legend.append(Patch(color="tab:blue", alpha=0.25, label=f"backup extension runs ({len(data.attempts)})"))
    if data.latest is not None:
        ax.axvline(data.latest, color="tab:blue", ls="--", lw=1.2, zorder=2)
        legend.append(Line2D([], [], color="tab:blue", ls="--", label="latest backup attempt"))
    labelled = set()
    for stamp, lane, number, counter, cause, word in data.marked:
        colour = _FINDING_COLOURS[number]
        if counter:
            ax.scatter([stamp], [lane], s=120, facecolors="none", edgecolors=colour, linewidths=1.6, zorder=4)
        else:
            ax.scatter([stamp], [lane], s=180, c=colour, marker="*", edgecolors="black", linewidths=0.5, zorder=5)
        if number not in labelled:
            labelled.add(number)
            legend.append(Line2D([], [], marker="*", ls="", color=colour, markersize=11, label=f"{cause} ({word})"))
    if any(m[3] for m in data.marked):
        legend.append(Line2D([], [], marker="o", ls="", markerfacecolor="none", color="black", label="counter-evidence"))
    ax.set_yticks(range(len(data.lanes)), data.lanes)
    ax.set_ylim(-0.6, len(data.lanes) - 0.4)
    for number in range(len(data.lanes)):
        ax.axhline(number, color="0.85", lw=0.6, zorder=0)
    margin = (high - low) * 0.02
    ax.set_xlim(low - margin, high + margin)
    locator = mdates.AutoDateLocator(tz=timezone.utc)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=timezone.utc))
    ax.grid(axis="x", color="0.92", zorder=0)
    if data.untimed:
        ax.text(1.01, 0, f"{data.untimed} events without\na time are not shown", transform=ax.transAxes,
                ha="left", va="bottom", fontsize=8, color="0.4")
    if legend:
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return figure


_HEX = {
    "tab:red": "#d62728", "tab:orange": "#ff7f0e", "tab:blue": "#1f77b4", "tab:purple": "#9467bd",
    "tab:green": "#2ca02c", "tab:brown": "#8c564b", "tab:pink": "#e377c2", "tab:olive": "#bcbd22",
    "tab:cyan": "#17becf", "tab:gray": "#7f7f7f",
}
_SVG_LEGEND = {"errors": "errors", "warnings": "warnings", "runs": "backup extension runs",
               "latest": "latest backup attempt", "counter": "counter-evidence", "empty": "no timed events in this bundle"}


def _star(x: float, y: float, r: float) -> str:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.45
        angle = math.pi / 2 + k * math.pi / 5
        points.append(f"{x + radius * math.cos(angle):.1f},{y - radius * math.sin(angle):.1f}")
    return " ".join(points)


def timeline_svg(diagnosis, *, width: int = 1000, labels: dict[str, str] | None = None, **options) -> str:
    """The timeline of :func:`plot_timeline` as a self-contained inline ``<svg>`` (no matplotlib).

    ``labels`` words the legend (keys ``errors``, ``warnings``, ``runs``, ``latest``,
    ``counter``, ``empty`` and the confidence words); the other options are :func:`timeline_data`'s. Every text is
    escaped; the SVG scales to its container's width.
    """
    words = {**_SVG_LEGEND, **(labels or {})}
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    data = timeline_data(diagnosis, **options)
    left, right, top, lane_height = 170, 20, 14, 34
    if data.window is None:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 40" width="100%" role="img">'
                f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="13" fill="#555">{e(words["empty"])}</text></svg>')
    low, high = data.window
    margin = (high - low) * 0.02
    low_edge, high_edge = low - margin, high + margin
    plot_width = width - left - right
    span = (high_edge - low_edge).total_seconds() or 1.0

    def x_of(stamp) -> float:
        return left + plot_width * (stamp - low_edge).total_seconds() / span

    height_plot = lane_height * len(data.lanes)
    axis_y = top + height_plot
    legend_y = axis_y + 40
    entries = _legend_entries(data, words)
    placed, x, row = [], left, 0
    for symbol, text in entries:
        size = 30 + 6.4 * len(text)
        if x + size > width - right and x > left:
            x, row = left, row + 1
        placed.append((x, legend_y + 20 * row, symbol, text))
        x += size
    height = legend_y + 20 * row + 22
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'font-family="system-ui,sans-serif" font-size="11"><title>{e(words.get("title", data.title))}</title>']
    for first, last in data.attempts:
        x0, x1 = x_of(first - data.width / 2), x_of(last + data.width / 2)
        out.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(2.0, x1 - x0):.1f}" height="{height_plot}" fill="{_HEX["tab:blue"]}" fill-opacity="0.12"/>')
    for number, lane in enumerate(data.lanes):
        y = top + lane_height * (number + 0.5)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9d9d9" stroke-width="0.8"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">{e(lane)}</text>')
    ticks = 5
    pattern = "%H:%M" if (high_edge - low_edge) < timedelta(hours=20) else "%m-%d %H:%M"
    out.append(f'<text x="{left - 8}" y="{axis_y + 17}" text-anchor="end" fill="#555">{e(low_edge.strftime("%Y"))} UTC</text>')
    for k in range(ticks + 1):
        stamp = low_edge + (high_edge - low_edge) * k / ticks
        x = x_of(stamp)
        label = stamp.strftime(pattern)
        anchor = "start" if k == 0 else "end" if k == ticks else "middle"
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y + 4}" stroke="#eeeeee"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="{anchor}" fill="#555">{e(label)}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}" stroke="#999"/>')
    for level, (colour, offset) in _LEVEL_STYLE.items():
        for stamp, lane, count in data.points.get(level, []):
            y = top + lane_height * (lane + 0.5) - offset * lane_height
            radius = 2.2 + 1.6 * math.sqrt(count)
            out.append(f'<circle cx="{x_of(stamp):.1f}" cy="{y:.1f}" r="{min(radius, 12):.1f}" fill="{_HEX[colour]}" fill-opacity="0.75">'
                       f'<title>{count} {e(words[level + "s"])} · {e(data.lanes[lane])} · {e(stamp.strftime("%Y-%m-%d %H:%M"))} UTC</title></circle>')
    if data.latest is not None:
        x = x_of(data.latest)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y}" stroke="{_HEX["tab:blue"]}" stroke-width="1.4" stroke-dasharray="5,3"/>')
    for stamp, lane, number, counter, cause, word in data.marked:
        colour = _HEX[_FINDING_COLOURS[number]]
        x, y = x_of(stamp), top + lane_height * (lane + 0.5)
        tip = f"<title>{e(cause)} ({e(words.get(word, word))}) · {e(stamp.strftime('%Y-%m-%d %H:%M:%S'))} UTC</title>"
        if counter:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="{colour}" stroke-width="1.8">{tip}</circle>')
        else:
            out.append(f'<polygon points="{_star(x, y, 9)}" fill="{colour}" stroke="#000" stroke-width="0.6">{tip}</polygon>')
    for x, y, symbol, text in placed:
        out.append(f'<g transform="translate({x:.0f},{y})">{symbol}<text x="17" y="4" fill="#333">{e(text)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _legend_entries(data: TimelineData, words: dict[str, str]) -> list[tuple[str, str]]:
    """(SVG symbol, text) per legend entry, in the matplotlib legend's order."""
    entries = []
    for level, (colour, _) in _LEVEL_STYLE.items():
        if data.totals.get(level):
            entries.append((f'<circle cx="6" cy="0" r="5" fill="{_HEX[colour]}"/>', f"{words[level + 's']} ({data.totals[level]})"))
    if data.attempts:
        entries.append((f'<rect x="0" y="-6" width="12" height="12" fill="{_HEX["tab:blue"]}" fill-opacity="0.25"/>', f"{words['runs']} ({len(data.attempts)})"))
    if data.latest is not None:
        entries.append((f'<line x1="0" x2="12" y1="0" y2="0" stroke="{_HEX["tab:blue"]}" stroke-dasharray="4,2" stroke-width="1.6"/>', words["latest"]))
    seen = set()
    for _, _, number, counter, cause, word in data.marked:
        if not counter and number not in seen:
            seen.add(number)
            entries.append((f'<polygon points="{_star(6, 0, 7)}" fill="{_HEX[_FINDING_COLOURS[number]]}" stroke="#000" stroke-width="0.5"/>', f"{cause} ({words.get(word, word)})"))
    if any(m[3] for m in data.marked):
        entries.append(('<circle cx="6" cy="0" r="5" fill="none" stroke="#000"/>', words["counter"]))
    return entries
