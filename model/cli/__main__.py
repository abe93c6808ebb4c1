"""``python -m model.cli``: the same as the ``conduit`` command."""

import sys

from model.cli import main

sys.exit(main())
