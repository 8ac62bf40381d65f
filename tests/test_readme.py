"""The README's commands and CI agree."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_gives_a_demo_and_a_test_command():
    demo, tests = _readme_commands()[:2]
    # the main job: fit on the stocks data, sample a year of trading days, report
    for step in ("sk-tsgen fit", "sk-tsgen sample", "sk-tsgen report"):
        assert step in demo
    assert "pytest" in tests
    for command in (demo, tests):
        # the CPU build of torch goes in before the package can pull another one
        assert command.index("torch==2.13.0") < command.index("pip install -e")


def test_ci_runs_the_readme_test_command():
    tests = _readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines
