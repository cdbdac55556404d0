"""plotly.js as the installed plotly package ships it: its file, version and load-time styles.

Pages load plotly.js from this server (no CDN), under a URL that names the version so the
browser may cache it for a year. The bundle injects a few ``<style>`` elements while loading;
a strict style-src refuses them, so the page supplies those rules from a stylesheet and marks
them as present (the ``head()`` macro of ``dashboard/_charts.html``).
"""

import re
from functools import cache
from pathlib import Path

import plotly
from plotly.offline import get_plotlyjs_version

BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

# plotly.js skips its own rules when an element with this id and this class exists.
GLOBAL_STYLE_ID = "plotly.js-style-global"
NO_INLINE_STYLES_CLASS = "no-inline-styles"

# Bundled libraries (maplibre for map traces) add their CSS once, unless an element with
# the id they check for is already on the page.
_GUARDED_STYLE = re.compile(
    r'if\(!document\.getElementById\("([\w-]+)"\)\)\{var (\w+)=document\.createElement\("style"\)'
)


def version() -> str:
    """Return the version of the bundled plotly.js, the cache key in its URL."""
    return str(get_plotlyjs_version())


@cache
def guarded_style_ids() -> tuple[str, ...]:
    """Return the ids whose presence stops the bundle from injecting a ``<style>`` at load.

    Read once from the installed bundle, so it follows plotly upgrades; the styles are
    for map traces, which these pages do not draw.
    """
    text = BUNDLE.read_text(encoding="utf-8")
    return tuple(match.group(1) for match in _GUARDED_STYLE.finditer(text))
