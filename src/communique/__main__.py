"""`python -m communique`."""

from __future__ import annotations

import sys

try:
    from communique.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing: stop as the command would
    sys.exit(130)

sys.exit(main())
