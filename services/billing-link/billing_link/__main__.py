"""`python -m billing_link api|consume|publish|topics|migrate`."""

from billing_link.bootstrap import SERVICE
from kabinet.cli import main

raise SystemExit(main(SERVICE))
