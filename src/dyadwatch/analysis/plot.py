"""Publication-quality plots of dyad series (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PLOT_SUFFIXES = (".png", ".svg", ".pdf")
_QUADS = (("verbal_cooperation", "verbal cooperation", "#8fd19e"),
          ("material_cooperation", "material cooperation", "#1b7837"),
          ("verbal_conflict", "verbal conflict", "#f4a582"),
          ("material_conflict", "material conflict", "#b2182b"))
_TICK_FORMAT = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def check_plot_path(path: str | Path) -> Path:
    """The plot path, or ValueError when its suffix is not a supported format."""
    p = Path(path)
    if p.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"--plot {path}: the file name must end in "
                         f"{', '.join(PLOT_SUFFIXES)}")
    return p


def plot_dyad_series(df: pd.DataFrame, path: str | Path, *, by: str, title: str,
                     normalise: str | None = None) -> Path:
    """Draw ``df`` (from :func:`dyad_series`) to ``path``: per direction, stacked bars of
    events by quad class and the Goldstein mean as a line on a second axis (-10..10).

    The format follows the suffix (.png at 200 dpi, .svg, .pdf). Returns the path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    p = check_plot_path(path)
    if df.empty:
        raise ValueError("nothing to plot: no events between these actors in this range")
    directions = list(dict.fromkeys(df["direction"]))
    periods = sorted(pd.to_datetime(df["period"]).unique())
    x = list(range(len(periods)))
    fig, axes = plt.subplots(len(directions), 1, sharex=True, squeeze=False,
                             figsize=(max(6.4, min(16.0, 0.25 * len(periods) + 4)),
                                      2.8 * len(directions) + 0.8))
    ylabel = {None: "events", "events": "share of all events",
              "stories": "events per stored story"}[normalise]
    handles: list = []
    labels: list[str] = []
    for ax, direction in zip(axes[:, 0], directions, strict=True):
        d = df[df["direction"] == direction].copy()
        d["period"] = pd.to_datetime(d["period"])
        d = d.set_index("period").reindex(periods, fill_value=0)
        bottom = [0.0] * len(periods)
        for col, name, colour in _QUADS:
            values = d[col].astype(float).tolist()
            bars = ax.bar(x, values, bottom=bottom, color=colour, width=0.8, label=name,
                          linewidth=0)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            if ax is axes[0, 0]:
                handles.append(bars)
                labels.append(name)
        ax.set_ylabel(ylabel)
        if normalise is None:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(direction, loc="left", fontsize=10)
        ax.spines["top"].set_visible(False)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        g = ax.twinx()
        mean = pd.to_numeric(d["goldstein_mean"], errors="coerce")
        line = g.plot(x, mean.tolist(), color="#2166ac", marker="o", markersize=3,
                      linewidth=1.4, label="Goldstein mean")[0]
        g.axhline(0, color="#2166ac", linewidth=0.5, linestyle=":")
        g.set_ylim(-10.5, 10.5)
        g.set_ylabel("Goldstein mean", color="#2166ac")
        g.tick_params(axis="y", colors="#2166ac")
        g.spines["top"].set_visible(False)
        if ax is axes[0, 0]:
            handles.append(line)
            labels.append("Goldstein mean (right axis)")
    pad = max(0.0, (6 - len(periods)) / 2)  # keep bars narrow when there are few periods
    last_x = len(periods) - 1
    for ax in axes[:, 0]:
        ax.set_xlim(-0.6 - pad, last_x + 0.6 + pad)
    step = max(1, len(periods) // 12)
    last = axes[-1, 0]
    last.set_xticks(x[::step])
    last.set_xticklabels([pd.Timestamp(t).strftime(_TICK_FORMAT[by]) for t in periods][::step],
                         rotation=45 if len(periods) > 6 else 0,
                         ha="right" if len(periods) > 6 else "center")
    last.set_xlabel(by)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    wide = fig.get_figwidth() >= 9
    fig.legend(handles, labels, loc="lower center", ncol=5 if wide else 3, frameon=False,
               fontsize=8)
    legend_height = 0.35 if wide else 0.55  # inches for one or two rows of the legend
    fig.tight_layout(rect=(0, legend_height / fig.get_figheight(), 1, 1))
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(p, dpi=200)
    finally:
        plt.close(fig)
    return p
