"""``python -m ddl_site``: the commands of :mod:`.cli` (new, check, notebooks)."""

import sys

from .cli import main

sys.exit(main())
