"""``python -m skgenre``: the ``skgenre`` command line."""

import sys

from skgenre.cli import main

if __name__ == "__main__":
    sys.exit(main())
