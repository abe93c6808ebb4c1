"""Validation metrics: pure functions of one run's weekly outcomes (rows = weeks).

Each reads a window of weeks of an outcome column and returns one number; a target's
model value is computed from these per replicate (:mod:`model.validation.running`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _window(series: pd.Series, start: int, weeks: int) -> pd.Series:
    """Rows ``start .. start + weeks - 1`` of a weekly series (positions = weeks)."""
    if start < 0 or weeks < 1 or start + weeks > len(series):
        raise ValueError(
            f"window of {weeks} weeks from week {start} lies outside the run "
            f"(weeks 0..{len(series) - 1})"
        )
    return series.iloc[start : start + weeks]


def ratio(df: pd.DataFrame, numerator: str, denominator: str, at: int, weeks: int) -> float:
    """Sum of ``numerator`` over sum of ``denominator`` in weeks [at, at + weeks). NaN if 0/0."""
    num = float(_window(df[numerator], at, weeks).sum())
    den = float(_window(df[denominator], at, weeks).sum())
    return num / den if den > 0 else math.nan


def total(df: pd.DataFrame, column: str, at: int, weeks: int) -> float:
    """Sum of ``column`` in weeks [at, at + weeks) (model scale)."""
    return float(_window(df[column], at, weeks).sum())


def mean(df: pd.DataFrame, column: str, at: int, weeks: int) -> float:
    """Mean of ``column`` in weeks [at, at + weeks): a level (e.g. a share of lines)."""
    return float(_window(df[column], at, weeks).mean())


def change(df: pd.DataFrame, column: str, at: int, before: int, after: int) -> float:
    """mean(column, weeks [at, at+after)) / mean(column, weeks [at-before, at)) - 1.

    A fraction: -0.25 is a 25% drop after the event relative to the weeks before it.
    NaN if the baseline mean is 0.
    """
    base = float(_window(df[column], at - before, before).mean())
    post = float(_window(df[column], at, after).mean())
    return post / base - 1.0 if base != 0 else math.nan


def persistence(
    df: pd.DataFrame,
    column: str,
    at: int,
    before: int,
    after: int,
    later: int,
    min_change: float = 0.01,
) -> float:
    """Share of the initial change still there ``later`` weeks after the event.

    The initial change is :func:`change` (``after`` weeks from ``at``); the later change
    is measured the same way over ``after`` weeks from ``at + later``, against the same
    baseline. Returns later / initial: 1 no decay, 0 fully gone, negative overshoot.
    NaN when the initial change is smaller than ``min_change`` in size (no effect to
    decay).
    """
    first = change(df, column, at, before, after)
    base = float(_window(df[column], at - before, before).mean())
    late = float(_window(df[column], at + later, after).mean())
    if math.isnan(first) or abs(first) < min_change:
        return math.nan
    return (late / base - 1.0) / first


def control(df: pd.DataFrame, control_df: pd.DataFrame, column: str, at: int, weeks: int) -> float:
    """mean(column in the run) / mean(column in the control run) over [at, at+weeks) - 1."""
    treated = float(_window(df[column], at, weeks).mean())
    counter = float(_window(control_df[column], at, weeks).mean())
    return treated / counter - 1.0 if counter != 0 else math.nan


def recovery(
    df: pd.DataFrame,
    column: str,
    at: int,
    before: int,
    within: float,
    smooth: int = 4,
) -> float:
    """Weeks from the event at week ``at`` until ``column`` is back near its pre-event level.

    Precisely:

    - the pre-event level is the mean of ``column`` over the ``before`` weeks
      ``[at - before, at)``;
    - the level at week t is the mean over the ``smooth`` weeks ``[t, t + smooth)`` (so a
      single noisy week neither ends nor prolongs a recovery);
    - the event moved the outcome if the level at ``at`` lies more than ``within`` (a
      fraction: 0.05 is 5%) from the pre-event level; the direction of that first move
      (down or up) is the direction of the effect;
    - the recovery week is the first t >= ``at`` whose level is back within ``within`` of
      the pre-event level or past it (for a drop: level >= (1 - within) * pre-event
      level, so overshooting above the old level counts as recovered).

    Returns ``t - at`` (weeks; 0 is impossible, since the level at ``at`` is outside the
    band), ``inf`` when the outcome never recovers within the run ("never": later than
    any week), or NaN when the event did not move the outcome by more than ``within``
    (no effect to recover from) or the pre-event level is 0.
    """
    if within < 0 or smooth < 1:
        raise ValueError(f"within ({within}) must be >= 0 and smooth ({smooth}) >= 1")
    base = float(_window(df[column], at - before, before).mean())
    _window(df[column], at, smooth)  # the event's own level must lie inside the run
    if base == 0:
        return math.nan
    values = df[column].to_numpy(dtype=float)[at:]
    levels = np.convolve(values, np.ones(smooth) / smooth, mode="valid")  # level[t - at]
    margin = within * abs(base)
    if abs(levels[0] - base) <= margin:
        return math.nan
    back = levels >= base - margin if levels[0] < base else levels <= base + margin
    hits = np.flatnonzero(back)
    return float(hits[0]) if len(hits) else math.inf
