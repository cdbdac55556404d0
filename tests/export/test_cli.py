"""`flask export`: the same bundle from the command line, logged as "cli"."""

import re
import zipfile

from survey.export.models import ExportRecord
from survey.extensions import db
from tests.export.conftest import likert


def test_export_writes_the_zip_and_says_what_it_cost(
    runner, tmp_path, make_department, make_event, add_responses
):
    department = make_department()
    add_responses(make_event(department), [{"answers": likert(3.0)} for _ in range(7)])
    (tmp_path / "out").mkdir()
    output = tmp_path / "out" / "pulse.zip"

    result = runner.invoke(
        args=["export", "--department", department.slug, "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert f"Wrote {output}: 7 rows, k = 5" in result.output
    assert zipfile.ZipFile(output).namelist() == ["responses.csv", "codebook.csv", "README.txt"]
    assert list(output.parent.iterdir()) == [output]  # no partial file left beside it
    record = db.session.query(ExportRecord).one()
    assert (record.source, record.user_id, record.rows_written) == ("cli", None, 7)


def test_an_unknown_department_is_a_one_line_error(runner, tmp_path):
    result = runner.invoke(
        args=["export", "--department", "nope", "--output", str(tmp_path / "x.zip")]
    )
    assert result.exit_code == 1
    assert "No department with slug 'nope'." in result.output
    assert not (tmp_path / "x.zip").exists()
    assert db.session.query(ExportRecord).count() == 0


def test_dates_are_checked(runner, tmp_path, make_department):
    department = make_department()
    base = ["export", "--department", department.slug, "--output", str(tmp_path / "x.zip")]

    backwards = runner.invoke(args=[*base, "--from", "2026-02-01", "--to", "2026-01-01"])
    assert backwards.exit_code == 2
    assert "--to is before --from" in backwards.output
    malformed = runner.invoke(args=[*base, "--from", "01/02/2026"])
    assert malformed.exit_code == 2
    assert not (tmp_path / "x.zip").exists()


def test_an_empty_selection_still_gives_a_documented_bundle(runner, tmp_path, make_department):
    department = make_department()
    output = tmp_path / "empty.zip"

    result = runner.invoke(
        args=[
            "export",
            "--department",
            department.slug,
            "--output",
            str(output),
            "--kind",
            "town-hall",
        ]
    )

    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(output)
    lines = archive.read("responses.csv").decode("utf-8-sig").splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("response_id,pair_id,phase,event")
    assert re.search(r"Rows written:\s+0\n", archive.read("README.txt").decode("utf-8-sig"))
