"""A gradebook shared on PostgreSQL, for real: a server started here in a temporary data directory
(listening on a Unix socket only, no TCP), the course pointed at it by the one line the README
shows, week 1's samples graded with two workers. The scores must be exactly those of the SQLite
run (tests/grading/expected/, which test_end_to_end holds the SQLite gradebook to, grade by grade).

Skipped, with the reason, when no PostgreSQL server or no psycopg2 can be had: `make test` as
root installs Debian's `postgresql` and `pip install -e ".[postgres]"` the driver.
"""

from __future__ import annotations

import csv
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support import REPO, copy_course, expected, run_course

SAMPLES = REPO / "course" / "samples"
# Week 1's samples (a broken one among them) stand for every week: what this file proves is the gradebook
# on PostgreSQL (students, grade cells, scores, the report and the export read from it), and a second
# week's samples only graded more notebooks into the same tables (the SQLite batch grades every week).
GRADED_WEEKS = ["w01_softmax"]


def expected_for(week: str) -> dict:
    return expected(week)


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin/ (Debian keeps it off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def server_user() -> str | None:
    """initdb refuses to run as root: run the server as `postgres` (Debian's package makes it)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("running as root and no unprivileged user to run PostgreSQL as")


def as_user(user: str | None, command: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


@pytest.fixture(scope="module")
def postgres_url():
    pytest.importorskip("psycopg2", reason='no psycopg2: pip install -e ".[postgres]"')
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server installed (Debian: apt-get install postgresql; `make test` does it as root)")
    user = server_user()
    base = Path(tempfile.mkdtemp(prefix="course-pg-"))
    data, socket_dir, log = base / "data", base / "socket", base / "server.log"
    socket_dir.mkdir()
    if user:
        shutil.chown(base, user)
        shutil.chown(socket_dir, user)

    def run(*command):
        result = subprocess.run(
            as_user(user, [str(binaries / command[0]), *command[1:]]), capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            log_tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{command[0]} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}\n{log_tail}")

    run("initdb", "-D", str(data), "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync")
    run(
        "pg_ctl",
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-t",
        "60",
        "start",
        "-o",
        f"-c listen_addresses='' -c unix_socket_directories='{socket_dir}' -c fsync=off -p 5432",
    )
    try:
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(socket_dir), port=5432)
        connection.autocommit = True
        connection.cursor().execute("CREATE DATABASE gradebook")
        connection.close()
        yield f"postgresql+psycopg2://postgres@/gradebook?host={socket_dir}&port=5432"
    finally:
        subprocess.run(
            as_user(user, [str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_course(postgres_url, tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("postgres") / "course", weeks=GRADED_WEEKS, release=True)
    with (root / "nbgrader_config.py").open("a") as config:  # the README's one line
        config.write(f'\nc.CourseDirectory.db_url = "{postgres_url}"\n')
    run_course("build", *GRADED_WEEKS, cwd=root)
    for week in GRADED_WEEKS:
        for sample in sorted(p for p in (SAMPLES / week).iterdir() if p.is_dir()):
            shutil.copytree(sample, root / "submitted" / sample.name / week)
    graded = run_course("grade", "--workers", "2", cwd=root)
    return root, graded


def test_the_course_reads_its_gradebook_url_from_the_config(postgres_course, postgres_url):
    from course.config import db_url

    root, _ = postgres_course
    assert db_url(root) == postgres_url
    assert not (root / "gradebook.db").exists(), "nothing may fall back to SQLite"


def test_grading_on_postgres_gives_exactly_the_sqlite_scores(postgres_course, postgres_url):
    from nbgrader.api import Gradebook

    root, graded = postgres_course
    assert "NOT GRADED" not in graded.stdout
    with Gradebook(postgres_url) as gb:
        for week in GRADED_WEEKS:
            assert len(gb.find_assignment(week).submissions) == len(expected_for(week))
            for sample, points in expected_for(week).items():
                submission = gb.find_submission(week, sample)
                got = {
                    grade.name: grade.score
                    for nb in submission.notebooks
                    for grade in nb.grades
                    if grade.cell.__class__.__name__ == "GradeCell"
                }
                assert got == points, f"{week}/{sample}"  # exactly, not approximately


def test_report_and_export_read_the_shared_gradebook(postgres_course):
    root, _ = postgres_course
    run_course("report", cwd=root)
    run_course("export", cwd=root)
    with (root / "reports" / "lms.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for week in GRADED_WEEKS:
        for sample, points in expected_for(week).items():
            assert float(rows[sample][week]) == sum(points.values()), f"{week}/{sample}"
    assert "softmax" in (root / "reports" / "index.html").read_text()
