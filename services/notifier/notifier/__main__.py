"""`python -m notifier api|consume|publish|topics|migrate`."""

from kabinet.cli import main
from notifier.bootstrap import SERVICE

raise SystemExit(main(SERVICE))
