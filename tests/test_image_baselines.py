"""Image baselines: the key figures of one small seeded run, pixel-compared.

The committed PNGs in tests/image_baselines/ are compared with freshly drawn figures by
``matplotlib.testing.compare.compare_images`` (RMS tolerance ``figures.TOLERANCE``).
Regenerate them with ``make baselines`` when a figure is meant to change. A perturbed
figure must fail the comparison, so the test can fail.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images

HERE = Path(__file__).resolve().parent / "image_baselines"
_spec = importlib.util.spec_from_file_location("image_figures", HERE / "figures.py")
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return figures.figures(tmp_path_factory.mktemp("image-runs"))


@pytest.mark.parametrize("name", figures.NAMES)
def test_figure_matches_its_baseline(drawn, name, tmp_path):
    expected = HERE / f"{name}.png"
    assert expected.is_file(), f"{expected} missing: run `make baselines`"
    actual = figures.write(drawn[name], tmp_path / f"{name}.png")
    diff = compare_images(str(expected), str(actual), tol=figures.TOLERANCE)
    assert diff is None, f"{name} differs from its baseline: {diff}"


def test_a_perturbed_figure_fails_the_comparison(drawn, tmp_path):
    fig = drawn["money"]
    bar = max(fig.axes[1].patches, key=lambda p: p.get_width())  # the largest cost bar
    original = bar.get_width()
    bar.set_width(original * 1.25)  # a quarter longer: the size of a units slip
    try:
        actual = figures.write(fig, tmp_path / "money.png")
    finally:
        bar.set_width(original)
    diff = compare_images(str(HERE / "money.png"), str(actual), tol=figures.TOLERANCE)
    assert diff is not None and "did not match" in diff
