"""``python -m unified.migrate PATH...`` (see :mod:`unified.migrate.cli`)."""

from .cli import main

raise SystemExit(main())
