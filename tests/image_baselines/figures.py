"""The figures behind the image baselines: one small seeded run, rendered with pinned settings.

Used by ``tests/test_image_baselines.py`` (compares against the committed PNGs) and by
``regenerate.py`` (``make baselines`` rewrites them). Pinned so the comparison is stable:
the Agg backend, matplotlib's bundled DejaVu Sans font, the project's rcParams
(:data:`model.style.RC`) over matplotlib's defaults, no text hinting, and a fixed DPI.
The data are a seeded run of the UK scenario (law scheduled at week 12, so every figure
has something to show) and the all-comply counterfactual for the comparison.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from model import plots, style

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DPI = 50
"""Baseline resolution: small files, still sensitive to a moved bar or line."""
TOLERANCE = 2.0
"""RMS difference (0-255 grey levels) allowed, as pytest-mpl's default."""
PINNED: dict[str, object] = {
    "font.family": ["DejaVu Sans"],
    "text.hinting": "none",
    "text.antialiased": True,
    "svg.hashsalt": "conduit",
}
NAMES = (
    "outcomes",
    "market-shares",
    "funnel",
    "legislation",
    "money",
    "event-timing",
    "compare-outcomes",
)

_spec = importlib.util.spec_from_file_location("plot_fixtures", HERE.parent / "plot_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)


def seeded_runs(root: Path) -> tuple[Path, Path]:
    """The UK run and its all-comply counterfactual (same seed, size and length)."""
    kw = {
        "weeks": 26,
        "replicates": 3,
        "subscribers": 2000,
        "seed": 17,
        "overrides": {"regulator.schedule.law_week": 12},
    }
    uk = fixtures.make_results(root / "uk", **kw)
    comply = fixtures.make_results(
        root / "comply", ROOT / "scenarios" / "counterfactuals" / "uk-all-comply.yaml", **kw
    )
    return uk, comply


def figures(root: Path) -> dict[str, Figure]:
    """Every baseline figure, by name, drawn under the pinned settings."""
    uk, comply = seeded_runs(root)
    with matplotlib.rc_context({**matplotlib.rcParamsDefault, **style.RC, **PINNED}):
        results = plots.load_results(uk)
        view = plots.view_of(results)
        out = {
            "outcomes": plots.figure_outcomes(view)[0],
            "market-shares": plots.figure_market_shares(view)[0],
            "funnel": plots.figure_funnel(view)[0],
            "legislation": plots.figure_legislation(view)[0],
            "money": plots.figure_money(view)[0],
            "event-timing": plots.figure_event_timing(view, results.summary)[0],
        }
        both = plots.comparison_view([plots.load_results(uk), plots.load_results(comply)])
        out["compare-outcomes"] = plots.figure_outcomes(both)[0]
    return out


def write(fig: Figure, path: Path) -> Path:
    """Save a figure as a baseline-comparable PNG (pinned settings, fixed DPI)."""
    with matplotlib.rc_context({**matplotlib.rcParamsDefault, **style.RC, **PINNED}):
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path
