"""``python -m loganalyzer`` is the ``loganalyzer`` command."""

from .cli import main

raise SystemExit(main())
