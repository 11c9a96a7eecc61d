"""Print the wheel's own requirements (core, plus the extras named) as a requirements list.

uv's ``--resolution lowest-direct`` takes the lowest version only of *direct* requirements;
a wheel's dependencies are not direct, so CI passes this list beside the wheel to install
the oldest versions that pyproject allows.

Usage: python .ci/lower_bounds.py WHEEL EXTRA [EXTRA ...]
"""

import sys
import zipfile
from email.parser import Parser

from packaging.requirements import Requirement


def main(wheel, *extras):
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(name).decode("utf-8"))
    for line in meta.get_all("Requires-Dist") or []:
        req = Requirement(line)
        wanted = req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras)
        if wanted:
            req.marker = None
            print(req)


if __name__ == "__main__":
    main(*sys.argv[1:])
