"""`python -m kabinet.ops …`."""

from __future__ import annotations

import sys

from kabinet.ops.cli import main

sys.exit(main())
