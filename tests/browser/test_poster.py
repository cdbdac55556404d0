"""The printable poster as Chromium prints it: one page on Letter and on A4, both codes whole.

The test client can only read the poster's CSS; here the browser lays it out for paper. The
PDF shows how many pages a print makes; a screenshot of the printable area (the paper less
the poster's own `@page` margins, print media emulated) shows where the codes land, and
zxing-cpp scans each code from it as a phone would scan the printed sheet.
"""

import io
import math
import re

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import ENABLE_HINT

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api", reason=ENABLE_HINT)

CSS_PX_PER_INCH = 96
PT_PER_INCH = 72
# Paper in inches (width, height), portrait.
PAPER = {"Letter": (8.5, 11.0), "A4": (210 / 25.4, 297 / 25.4)}
# An everyday name, and the longest the event form accepts (200 characters), which wraps
# onto several lines above the codes.
NAMES = {
    "short-name": "Eastgate Night Out",
    "longest-name": (
        "Northside National Night Out and Community Safety Fair at the Lincoln Park "
        "Recreation Center, with the Fire Department, the Neighborhood Watch Captains, "
        "the Youth Police Academy and Food Trucks"
    )[:200],
}
LABELS = {"before": "BEFORE", "after": "AFTER"}

PAGE_MARGINS_JS = """() => {
  const rules = [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules]);
  const page = rules.find((rule) => rule instanceof CSSPageRule);
  if (!page) { return null; }
  const probe = document.createElement("div");
  probe.style.position = "absolute";
  document.body.append(probe);
  const margins = {};
  for (const side of ["top", "right", "bottom", "left"]) {
    probe.style.width = page.style.getPropertyValue("margin-" + side) || "0";
    margins[side] = probe.getBoundingClientRect().width;
  }
  probe.remove();
  return margins;
}"""


def pdf_page_count(pdf: bytes) -> int:
    """Count the page objects of a PDF as Chromium's Skia writer makes it.

    Skia writes each object as a plain dictionary (no compressed object streams), so every
    page is one `/Type /Page` in the bytes; `/Type /Pages` is the page tree, not a page.
    """
    assert b"/ObjStm" not in pdf, "compressed object streams: count pages with a PDF parser"
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    (tree_count,) = {int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)}
    assert tree_count == pages
    return pages


def pdf_page_size(pdf: bytes) -> tuple[float, float]:
    (box,) = set(re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf))
    return float(box[0]), float(box[1])


@pytest.fixture(scope="module")
def events(site):
    """One open event per name, made with `flask create-event` as staff would."""
    return {key: site.new_event(name) for key, name in NAMES.items()}


@pytest.fixture(params=list(NAMES))
def poster(request, events, staff):
    """The signed-in admin's page showing an event's poster as print media; and the event."""
    event = events[request.param]
    response = staff.goto(f"/staff/events/{event['id']}/poster")
    assert response.status == 200
    staff.emulate_media(media="print")
    return staff, event


@pytest.mark.parametrize("paper", list(PAPER))
def test_the_poster_prints_on_exactly_one_page(poster, paper):
    page, event = poster
    assert page.get_by_role("heading", level=1).inner_text() == event["name"]
    pdf = page.pdf(format=paper, print_background=True)
    assert pdf.startswith(b"%PDF-")
    pages = pdf_page_count(pdf)
    assert pages == 1, f"the poster prints on {pages} {paper} pages"
    width, height = (inches * PT_PER_INCH for inches in PAPER[paper])
    assert pdf_page_size(pdf) == (pytest.approx(width, abs=1.5), pytest.approx(height, abs=1.5))


@pytest.mark.parametrize("paper", list(PAPER))
def test_both_codes_are_whole_on_the_printed_page_and_scan(poster, paper):
    page, event = poster
    margins = page.evaluate(PAGE_MARGINS_JS)
    assert margins is not None, "poster.css sets no @page rule: printers would pick margins"
    paper_width, paper_height = (inches * CSS_PX_PER_INCH for inches in PAPER[paper])
    # The printable area of the sheet, in CSS px, rounded down so nothing is shown that
    # the paper would not hold.
    area = {
        "width": math.floor(paper_width - margins["left"] - margins["right"]),
        "height": math.floor(paper_height - margins["top"] - margins["bottom"]),
    }
    page.set_viewport_size(area)
    content = page.evaluate(
        "({width: document.documentElement.scrollWidth,"
        " height: document.documentElement.scrollHeight})"
    )
    assert content["width"] <= area["width"], (paper, content, area)  # no shrink-to-fit
    assert content["height"] <= area["height"], (paper, content, area)  # no second sheet

    sheet = Image.open(io.BytesIO(page.screenshot(animations="disabled"))).convert("L")
    assert sheet.size == (area["width"], area["height"])
    for phase, label in LABELS.items():
        card = page.locator("section.code", has=page.get_by_role("heading", name=label))
        box = card.locator(".qr svg").bounding_box()
        assert box["x"] >= 0, (paper, phase, box)
        assert box["y"] >= 0, (paper, phase, box)
        assert box["x"] + box["width"] <= area["width"], (paper, phase, box)
        assert box["y"] + box["height"] <= area["height"], (paper, phase, box)
        assert box["width"] >= 60 / 25.4 * CSS_PX_PER_INCH  # at least 6 cm across
        crop = sheet.crop(
            (
                math.floor(box["x"]),
                math.floor(box["y"]),
                math.ceil(box["x"] + box["width"]),
                math.ceil(box["y"] + box["height"]),
            )
        )
        (code,) = zxingcpp.read_barcodes(crop)
        assert code.text == event[f"{phase}_url"], (paper, phase)
    # Read as a whole, the sheet holds exactly the two codes.
    assert sorted(code.text for code in zxingcpp.read_barcodes(sheet)) == sorted(
        [event["after_url"], event["before_url"]]
    )
