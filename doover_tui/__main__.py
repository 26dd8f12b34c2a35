"""Entry point for ``python -m doover_tui``."""

from doover_tui.cli import main

raise SystemExit(main())
