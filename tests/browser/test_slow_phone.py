"""A first visit on a slow phone: the survey shows within 3 s and weighs at most 30 KB."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

# Chrome DevTools' "Slow 3G": about 400 kbit/s each way and 400 ms of round trip.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
BUDGET_BYTES = 30 * 1024
VISIBLE_WITHIN_MS = 3000
# Milliseconds from navigation start to the first paint with content; paint entries are
# queued after the frame is shown, so wait for one (null if none comes within 10 s).
FIRST_PAINT = """() => new Promise((resolve) => {
  setTimeout(() => resolve(null), 10000);
  new PerformanceObserver((entries, observer) => {
    const entry = entries.getEntriesByName("first-contentful-paint")[0];
    if (entry) {
      observer.disconnect();
      resolve(entry.startTime);
    }
  }).observe({ type: "paint", buffered: true });
})"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_survey_is_usable_within_3_seconds_on_slow_3g(
    site, new_context, record_property, language
):
    context = new_context("phone", locale="es-MX" if language == "es" else "en-US")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    received: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: received.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    page.goto(site.events["open"]["before_url"], wait_until="commit")
    submit = page.get_by_role("button", name="Enviar" if language == "es" else "Submit")
    submit.wait_for(state="visible")
    page.wait_for_load_state("load")

    painted = page.evaluate(FIRST_PAINT)
    assert painted is not None, "the page never painted"
    # The stylesheet blocks rendering, so the first paint is the styled form, not bare HTML.
    button_colour = "getComputedStyle(document.querySelector('.submit')).backgroundColor"
    assert page.evaluate(button_colour) == "rgb(18, 58, 99)"
    assert painted <= VISIBLE_WITHIN_MS, f"first paint after {painted:.0f} ms on slow 3G"

    total = sum(received.values())
    record_property("first_paint_ms", round(painted))
    record_property("bytes_transferred", total)
    print(f"slow 3G ({language}): first paint {painted:.0f} ms, {total:,} bytes")
    detail = {urls.get(request_id, request_id): size for request_id, size in received.items()}
    assert total <= BUDGET_BYTES, detail
    # The page and its stylesheet; nothing else but Chromium's own /favicon.ico probe.
    assert sorted(urlsplit(url).path for url in detail if not url.endswith("/favicon.ico")) == [
        urlsplit(site.events["open"]["before_url"]).path,
        "/static/resident.css",
    ], detail
