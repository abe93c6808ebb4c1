"""The browser visualiser (``conduit viz``): Mesa's SolaraViz with schema-generated controls.

- :mod:`model.viz.controls`: scenario schema -> control specs (pure, unit-tested);
- :mod:`model.viz.settings`: control values over a base file; "Save as scenario";
- :mod:`model.viz.svg`, :mod:`model.viz.charts`: the views' charts (SVG strings);
- :mod:`model.viz.app`: the Solara page; :mod:`model.viz.server`: ``solara run`` it.
"""
