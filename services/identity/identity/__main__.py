"""`python -m identity api|consume|publish|topics|migrate`."""

from identity.bootstrap import SERVICE
from kabinet.cli import main

raise SystemExit(main(SERVICE))
