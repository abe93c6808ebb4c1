"""Rewrite the committed image baselines (``make baselines``).

Run after a change meant to alter a figure (or the model's behaviour, which moves the
seeded run's data), look at the new PNGs, and commit them saying why they changed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import figures  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, fig in figures.figures(Path(tmp)).items():
            path = figures.write(fig, HERE / f"{name}.png")
            print(f"wrote {path.relative_to(HERE.parents[1])}")


if __name__ == "__main__":
    main()
