"""``python -m scripts.report``: the stage's command, kept where the workflows and README call it."""

from scripts.report.cli import main

raise SystemExit(main())
