"""``python -m scripts.deploy``: the stage's command, kept where the workflows and README call it."""

from scripts.deploy.cli import main

raise SystemExit(main())
