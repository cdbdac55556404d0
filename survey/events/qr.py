"""QR codes for posters: error correction Q survives a folded, rained-on or taped-over print."""

import io

import segno


def qr_png(url: str, scale: int = 10) -> bytes:
    """Return a PNG of the URL's QR code with a quiet zone phones can lock on to."""
    buffer = io.BytesIO()
    segno.make(url, error="q", boost_error=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(url: str, scale: int = 10) -> bytes:
    """Return a standalone SVG of the URL's QR code; it prints sharp at any size."""
    buffer = io.BytesIO()
    segno.make(url, error="q", boost_error=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=True, title="QR code"
    )
    return buffer.getvalue()


def qr_svg_inline(url: str) -> str:
    """Return SVG markup for embedding in the poster page (no XML declaration, scalable)."""
    buffer = io.BytesIO()
    segno.make(url, error="q", boost_error=False).save(
        buffer, kind="svg", scale=1, border=4, xmldecl=False, svgns=True, omitsize=True
    )
    return buffer.getvalue().decode()
