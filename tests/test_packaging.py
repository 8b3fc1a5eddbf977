"""The project installs what it needs by its own files."""

import re
import subprocess
import tomllib

import yaml

from tests.support import REPO


def requirement_names(specs):
    return {re.split(r"[<>=!~ ]", s, maxsplit=1)[0].strip().lower(): s.replace(" ", "") for s in specs}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = requirement_names(project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert requirement_names(conda) == wanted
    assert "python=3.11" in env["dependencies"]
    assert {"pip": ["-e ."]} in env["dependencies"]


def test_grading_state_is_ignored_but_gitkeep_is_not():
    def ignored(path):
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0

    for path in [
        "gradebook.db",
        "submitted/alice/w01_softmax/x.ipynb",
        "feedback/a.html",
        "autograded/alice/w01_softmax/x.ipynb",
        ".venv/bin/python",
        "helpers/__pycache__/x.nbi",
        "reports/grades.csv",
        ".demo/x",
    ]:
        assert ignored(path), path
    assert not ignored("autograded/.gitkeep")
