"""``python -m policykg.cli``: the same as the ``policykg`` command."""

import sys

from policykg.cli import main

sys.exit(main())
