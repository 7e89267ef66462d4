"""Check the built distributions: the wheel holds the package, its py.typed, the timeline's
CSS and JS, and nothing else of the repository (no tests); the sdist holds the examples and
the tests.

Run after ``python -m build --outdir DIR``: ``python .ci/check_dist.py DIR``.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path


def main(directory: str) -> int:
    dist = Path(directory)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        declared = archive.read(entry_points).decode()
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    top = {name.split("/", 1)[0] for name in names}
    problems = []
    if "pytest_fakebatch/py.typed" not in names or "pytest_fakebatch/plugin.py" not in names:
        problems.append(f"{wheel.name} lacks the package or its py.typed")
    for asset in ("timeline.css", "timeline.js", "timeline-model.js", "timeline-detail.js"):
        if f"pytest_fakebatch/report/{asset}" not in names:  # the timeline page inlines them
            problems.append(f"{wheel.name} lacks report/{asset}")
    stray = sorted(t for t in top if t != "pytest_fakebatch" and not t.endswith(".dist-info"))
    if stray:
        problems.append(f"{wheel.name} holds more than the package: {stray}")
    if "pytest_fakebatch = pytest_fakebatch.plugin" not in declared:
        problems.append(f"{wheel.name} lacks the pytest11 entry point")
    for wanted in ("examples/test_pipeline.py", "tests/conftest.py", "pytest_fakebatch/py.typed"):
        if not any(m.endswith("/" + wanted) for m in members):
            problems.append(f"{sdist.name} lacks {wanted}")
    for problem in problems:
        print("check_dist:", problem, file=sys.stderr)
    if not problems:
        print(f"check_dist: {wheel.name} ({len(names)} files), {sdist.name} ({len(members)} files): sound")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
