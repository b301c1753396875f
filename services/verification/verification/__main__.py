"""`python -m verification api|consume|publish|topics|migrate`."""

from kabinet.cli import main
from verification.bootstrap import SERVICE

raise SystemExit(main(SERVICE))
