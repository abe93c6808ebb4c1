"""Figures of a results folder, and side-by-side comparisons of several.

The package is split along its seams:

- :mod:`~model.plots.load`: reading a results folder for drawing, choosing points;
- :mod:`~model.plots.aggregate`: tidy time series -> small tidy DataFrames (quantiles
  over runs), the numbers behind every figure;
- :mod:`~model.plots.view`: what a figure draws (series, labels, colours, time axis);
- :mod:`~model.plots.draw`: shared drawing blocks and :func:`save`;
- :mod:`~model.plots.figures`: the figures of one view over time (``figure_*``);
- :mod:`~model.plots.sweep`: final outcomes against the swept parameters;
- :mod:`~model.plots.timing`: event timing across runs (share of runs in which the law
  has passed, or an ISP first policed, by each week);
- :mod:`~model.plots.write`: every figure of a results folder, then report.html;
- :mod:`~model.plots.compare`: several results folders overlaid.

Units: shares are drawn in % of subscribers; counts are scaled to the real population
the scenario represents (``manifest["scale"]`` accounts per simulated subscriber);
money is in GBP as recorded by the model (already at the real population's scale).
"""

from model.plots.aggregate import (
    FUNNEL,
    OUTCOMES,
    QUANTILES,
    bands,
    costs,
    final_vs_parameter,
    funnel,
    funnel_stages,
    isp_shares,
    law_passage,
    modal_stance,
    pressure_to_next_stage,
    stage_median,
    stance_changes,
)
from model.plots.compare import compare, comparison_view
from model.plots.draw import save
from model.plots.figures import (
    figure_funnel,
    figure_legislation,
    figure_market_shares,
    figure_money,
    figure_outcomes,
)
from model.plots.load import (
    MAX_SERIES,
    PlotError,
    choose_points,
    load_results,
    select_points,
)
from model.plots.sweep import SWEEP_OUTCOMES, binned, figure_sweep
from model.plots.timing import event_timing, figure_event_timing, share_by_week
from model.plots.view import TimeAxis, View, view_of
from model.plots.write import CAPTIONS, FIGURES, figures, plot_results
from model.results import Results

__all__ = [
    "CAPTIONS",
    "FIGURES",
    "FUNNEL",
    "MAX_SERIES",
    "OUTCOMES",
    "QUANTILES",
    "SWEEP_OUTCOMES",
    "PlotError",
    "Results",
    "TimeAxis",
    "View",
    "bands",
    "binned",
    "choose_points",
    "compare",
    "comparison_view",
    "costs",
    "event_timing",
    "figure_event_timing",
    "figure_funnel",
    "figure_legislation",
    "figure_market_shares",
    "figure_money",
    "figure_outcomes",
    "figure_sweep",
    "figures",
    "final_vs_parameter",
    "funnel",
    "funnel_stages",
    "isp_shares",
    "law_passage",
    "load_results",
    "modal_stance",
    "plot_results",
    "pressure_to_next_stage",
    "save",
    "select_points",
    "share_by_week",
    "stage_median",
    "stance_changes",
    "view_of",
]
