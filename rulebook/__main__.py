"""`python -m rulebook`: the command line (rulebook.cli)."""

import sys

from rulebook.cli import main

sys.exit(main())
