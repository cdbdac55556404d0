"""docs/security.md cites a test for every promise: each citation must name a real test.

A renamed or deleted test would otherwise leave a promise that nothing proves any more.
Citations are written `tests/path.py::test_name`, `tests/path.py` (a whole file), or
`::test_name` for another test of the file cited just before; code is cited as `survey/...`.
"""

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
SPAN_RE = re.compile(r"`([^`\n]+)`")
FILE_RE = re.compile(r"^(tests/[\w/]+\.py)(?:::(\w+))?$")
SHORT_RE = re.compile(r"^::(\w+)$")
CODE_RE = re.compile(r"^(survey/[\w/.]+\.(?:py|txt|html))$")


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """Return the names of the test functions of a file, methods of test classes included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def citations(text: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Return the cited (file, test name or None) pairs and the cited code paths, in order."""
    tests: list[tuple[str, str | None]] = []
    code: list[str] = []
    last_file: str | None = None
    for span in SPAN_RE.findall(text):
        if match := FILE_RE.match(span):
            last_file = match.group(1)
            tests.append((last_file, match.group(2)))
        elif match := SHORT_RE.match(span):
            assert last_file is not None, f"`{span}` comes before any cited file"
            tests.append((last_file, match.group(1)))
        elif match := CODE_RE.match(span):
            code.append(match.group(1))
    return tests, code


def test_every_cited_test_exists():
    tests, code = citations(DOC.read_text(encoding="utf-8"))
    assert len(tests) >= 60, "the citation format changed: this check would prove nothing"
    missing = []
    for file, name in tests:
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name is not None and name not in defined_tests(path):
            missing.append(f"{file}::{name}")
    missing += [path for path in code if not (ROOT / path).is_file()]
    assert missing == []


def test_every_hostile_and_load_test_file_is_cited():
    """The document covers both suites: a new file of tests needs its promise written down."""
    cited = {file for file, _ in citations(DOC.read_text(encoding="utf-8"))[0]}
    files = {
        str(path.relative_to(ROOT))
        for folder in ("tests/hostile", "tests/load")
        for path in (ROOT / folder).glob("test_*.py")
    }
    assert files - cited == set()


def test_the_check_sees_a_missing_test():
    """The shorthand `::name` is resolved against the file cited before it."""
    text = "`tests/hostile/test_values.py::test_nul_byte_in_the_query_string_is_a_400`, `::nope`"
    tests, _ = citations(text)
    assert tests[1] == ("tests/hostile/test_values.py", "nope")
    assert "nope" not in defined_tests(ROOT / tests[1][0])
