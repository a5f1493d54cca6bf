"""PDF rendering with WeasyPrint and the committed Chinese font subset.

Every render gets templates/pdf/fonts.css, whose @font-face rules load the Noto Sans SC
subset committed in static/fonts/ (made by scripts/make_font_subset.py), so Chinese text
shows real glyphs even on machines without any CJK font. Templates only need::

    font-family: "Noto Sans SC Subset", sans-serif;

Output is deterministic: the same HTML gives byte-identical PDFs. WeasyPrint writes a
CreationDate/ModDate only from the document's <meta name="dcterms.created"> and
<meta name="dcterms.modified"> (never the clock, since the HTML comes from a string),
and the file identifier (/ID) is the MD5 of the PDF's own objects rather than random.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

FONT_FAMILY = "Noto Sans SC Subset"
FONT_FILES = ("NotoSansSC-Subset-Regular.otf", "NotoSansSC-Subset-Bold.otf")

# Logged by weasyprint/draw/text.py on the "weasyprint" logger, followed by
# ': "<char>" (U+XXXX)', each time a glyph missing from every available font is drawn.
MISSING_GLYPH_MESSAGE = ".notdef glyph rendered for Unicode string unsupported by fonts"

# One Fontconfig configuration for the whole process: building one and registering the
# @font-face fonts in it costs 1-2 s, which a fresh configuration per render would repeat.
FONT_CONFIG = FontConfiguration()

# Pango/Fontconfig objects shared through FONT_CONFIG are not meant for concurrent use,
# and the strict-mode log handler must only see its own render: one render at a time.
_RENDER_LOCK = threading.Lock()

_weasyprint_logger = logging.getLogger("weasyprint")


class MissingGlyphError(Exception):
    """Some characters had no glyph in any font and were drawn as .notdef boxes."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        listed = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in characters)
        super().__init__(f"No glyph for {listed}")


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


def fonts_css_path() -> Path:
    return Path(settings.BASE_DIR) / "templates" / "pdf" / "fonts.css"


@cache
def font_stylesheet() -> CSS:
    """The @font-face stylesheet, parsed once into FONT_CONFIG.

    Its relative url()s resolve against an absolute file:// URL of static/fonts/, so
    rendering works from any current working directory.
    """
    missing = [name for name in FONT_FILES if not (fonts_dir() / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"Missing {', '.join(missing)} in {fonts_dir()}: "
            "run scripts/make_font_subset.py (needs apt-get install fonts-noto-cjk)"
        )
    return CSS(
        string=fonts_css_path().read_text(encoding="utf-8"),
        base_url=fonts_dir().as_uri() + "/",
        font_config=FONT_CONFIG,
    )


class _MissingGlyphCollector(logging.Handler):
    """Collects the characters of WeasyPrint's missing-glyph warnings in one thread."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.characters: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or not isinstance(record.msg, str):
            return
        if not record.msg.startswith(MISSING_GLYPH_MESSAGE):
            return
        char = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        if char not in self.characters:
            self.characters.append(char)


def render_pdf(html: str, *, strict: bool = False, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes.

    With strict=True, raise MissingGlyphError instead of returning a PDF in which some
    characters were drawn as .notdef boxes because no font (neither the subset nor any
    system fallback) has them. base_url resolves relative URLs in the HTML itself.
    """
    with _RENDER_LOCK:
        stylesheet = font_stylesheet()
        collector = None
        saved_level = _weasyprint_logger.level
        saved_disabled = _weasyprint_logger.disabled
        if strict:
            collector = _MissingGlyphCollector()
            _weasyprint_logger.addHandler(collector)
            # The warning must reach the handler even if logging is configured quieter.
            _weasyprint_logger.disabled = False
            if not _weasyprint_logger.isEnabledFor(logging.WARNING):
                _weasyprint_logger.setLevel(logging.WARNING)
        try:
            pdf = HTML(string=html, base_url=base_url).write_pdf(
                stylesheets=[stylesheet],
                font_config=FONT_CONFIG,
                pdf_identifier=True,  # MD5 of the content: stable, unlike a random ID
            )
        finally:
            if collector is not None:
                _weasyprint_logger.removeHandler(collector)
                _weasyprint_logger.setLevel(saved_level)
                _weasyprint_logger.disabled = saved_disabled
    if collector is not None and collector.characters:
        raise MissingGlyphError(collector.characters)
    return pdf


def pdf_response(request, pdf: bytes, filename: str):
    """A rendered PDF as a download, or shown in the browser with ``?inline=1``."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(pdf, content_type="application/pdf")
    as_attachment = request.GET.get("inline") != "1"
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response
