"""``python -m skill.cli``: the same as the ``closer`` command."""

import sys

from skill.cli import main

sys.exit(main())
