"""`python -m communique`."""

from __future__ import annotations

import sys

from communique.cli import main

sys.exit(main())
