"""The merged timeline of a diagnosis as a matplotlib figure (needs the ``[notebook]`` extra).

    >>> diagnosis = loganalyzer.diagnose("samples/linux-collector-logs.zip")
    >>> figure = diagnosis.timeline()                # or plot_timeline(diagnosis)
    >>> figure.savefig("timeline.png")

One lane per input source (``waagent.log``, ``waagent.state``, ``windows.event``...). In each
lane, errors (red, above the lane's line) and warnings (orange, below it) are counted per time
bin, the marker growing with the count. Backup attempts (runs of the backup extension's events)
are shaded, the latest one has a dashed line, and the evidence of each finding at or above
``possible`` is marked with a star in its own colour (a hollow circle for counter-evidence).
Times are UTC.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pandas as pd

__all__ = ["backup_attempts", "plot_timeline"]

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

    events = diagnosis.events
    times = _utc(events["time"]) if not events.empty else _utc(pd.Series([], dtype=object))
    levels = events["level"].astype(object).astype(str) if not events.empty else pd.Series([], dtype=object)
    sources = events["source"].astype(object).astype(str) if not events.empty else pd.Series([], dtype=object)
    findings = diagnosis.listed(minimum)[: len(_FINDING_COLOURS)]

    noisy = pd.DataFrame({"time": times.array, "level": levels.to_numpy(), "source": sources.to_numpy()})
    noisy = noisy[noisy["level"].isin(tuple(_LEVEL_STYLE)) & noisy["time"].notna()]
    marked = []
    for colour, finding in zip(_FINDING_COLOURS, findings):
        for table, counter in ((finding.evidence, False), (finding.counter_evidence, True)):
            if table is None or table.empty:
                continue
            stamps = _utc(table["time"])
            for stamp, source in zip(stamps, table["source"].astype(object).astype(str)):
                if not pd.isna(stamp):
                    marked.append((stamp, source, colour, counter, finding))

    window = _window(times, diagnosis, start, end, around)
    if ax is None:
        lanes_guess = max(1, len(set(noisy["source"]) | {m[1] for m in marked}))
        figure = Figure(figsize=figsize or (11, 1.6 + 0.55 * lanes_guess), layout="constrained")
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    title = f"{diagnosis.bundle}: errors and warnings per source (UTC)"
    ax.set_title(title, fontsize=10, loc="left")
    if window is None:
        ax.text(0.5, 0.5, "no timed events in this bundle", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        ax.set_xticks([])
        return figure
    low, high = window
    noisy = noisy[(noisy["time"] >= low) & (noisy["time"] <= high)]
    marked = [m for m in marked if low <= m[0] <= high]
    lanes = sorted(set(noisy["source"]) | {m[1] for m in marked}) or ["(no errors or warnings)"]
    lane_of = {source: number for number, source in enumerate(lanes)}

    width = (high - low) / max(1, bins)
    legend = []
    for level, (colour, offset) in _LEVEL_STYLE.items():
        rows = noisy[noisy["level"] == level]
        if rows.empty:
            continue
        slot = ((rows["time"] - low) / width).astype(int).clip(upper=bins - 1)
        counted = rows.assign(slot=slot.values).groupby(["source", "slot"]).size().reset_index(name="count")
        x = [low + width * (s + 0.5) for s in counted["slot"]]
        y = [lane_of[s] + offset for s in counted["source"]]
        sizes = [14 + 26 * math.sqrt(c) for c in counted["count"]]
        ax.scatter(x, y, s=sizes, c=colour, alpha=0.75, marker="o", linewidths=0, zorder=3)
        legend.append(Line2D([], [], marker="o", ls="", color=colour, label=f"{level}s ({len(rows)})"))

    attempts = [(a, b) for a, b in backup_attempts(events, attempt_gap) if b >= low and a <= high]
    for first, last in attempts:
        ax.axvspan(first - width / 2, last + width / 2, color="tab:blue", alpha=0.12, zorder=1)
    if attempts:
        legend.append(Patch(color="tab:blue", alpha=0.25, label=f"backup extension runs ({len(attempts)})"))
    if diagnosis.attempt is not None and low <= _instant(diagnosis.attempt) <= high:
        ax.axvline(_instant(diagnosis.attempt), color="tab:blue", ls="--", lw=1.2, zorder=2)
        legend.append(Line2D([], [], color="tab:blue", ls="--", label="latest backup attempt"))

    labelled = set()
    for stamp, source, colour, counter, finding in marked:
        y = lane_of[source]
        if counter:
            ax.scatter([stamp], [y], s=120, facecolors="none", edgecolors=colour, linewidths=1.6, zorder=4)
        else:
            ax.scatter([stamp], [y], s=180, c=colour, marker="*", edgecolors="black", linewidths=0.5, zorder=5)
        if id(finding) not in labelled:
            labelled.add(id(finding))
            legend.append(Line2D([], [], marker="*", ls="", color=colour, markersize=11, label=f"{finding.cause} ({finding.confidence})"))
    if any(m[3] for m in marked):
        legend.append(Line2D([], [], marker="o", ls="", markerfacecolor="none", color="black", label="counter-evidence"))

    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    for number in range(len(lanes)):
        ax.axhline(number, color="0.85", lw=0.6, zorder=0)
    margin = (high - low) * 0.02
    ax.set_xlim(low - margin, high + margin)
    locator = mdates.AutoDateLocator(tz=timezone.utc)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=timezone.utc))
    ax.grid(axis="x", color="0.92", zorder=0)
    untimed = int(times.isna().sum())
    if untimed:
        ax.text(1.01, 0, f"{untimed} events without\na time are not shown", transform=ax.transAxes,
                ha="left", va="bottom", fontsize=8, color="0.4")
    if legend:
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return figure
