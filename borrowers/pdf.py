"""PDF rendering with WeasyPrint and the committed Chinese font subsets.

Every render gets templates/pdf/fonts.css, whose @font-face rules load the Noto Sans SC
subset committed in static/fonts/ (made by scripts/make_font_subset.py), so Chinese text
shows real glyphs even on machines without any CJK font. Templates only need::

    font-family: "Noto Sans SC Subset", sans-serif;

A third face of that family, the "Hanzi Supplement Subset" (from HanaMinB), draws rare
characters beyond the BMP, such as 𪚥 (U+2A6A5) in a name.

Text the fonts cannot show never stops a render that uses render_printable_pdf(): each
such character is replaced by MISSING_MARKER before rendering and reported, so the caller
can tell the user. render_pdf(strict=True) still refuses to draw .notdef boxes.

Only the committed fonts and the files of static/ are ever read: every URL in the HTML or
its CSS (file://, http://, ...) goes through AppFilesURLFetcher, which refuses the rest.

Output is deterministic: the same HTML gives byte-identical PDFs. WeasyPrint writes a
CreationDate/ModDate only from the document's <meta name="dcterms.created"> and
<meta name="dcterms.modified"> (never the clock, since the HTML comes from a string),
and the file identifier (/ID) is the MD5 of the PDF's own objects rather than random.
"""

from __future__ import annotations

import html as html_lib
import logging
import mimetypes
import re
import threading
import unicodedata
from functools import cache
from pathlib import Path
from typing import NamedTuple, cast
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

FONT_FAMILY = "Noto Sans SC Subset"
FONT_FILES = (
    "NotoSansSC-Subset-Regular.otf",
    "NotoSansSC-Subset-Bold.otf",
    "HanziSupplement-Subset-Regular.ttf",
)

# Drawn instead of a character that no font in FONT_FILES has (GB2312 0xA1F5, so the
# main subset always has it). Users are told which characters it stands for.
MISSING_MARKER = "□"

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


class RenderedPDF(NamedTuple):
    """A PDF and the characters it could not show (see render_printable_pdf)."""

    pdf: bytes
    # Distinct, in order of appearance. Each is one character, or a character with the
    # marks and modifiers that belong to it (e.g. "ดี" or "👍🏽"), that the PDF shows as
    # MISSING_MARKER.
    unprintable: list[str]


def static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static"


def fonts_dir() -> Path:
    return static_dir() / "fonts"


def fonts_css_path() -> Path:
    return Path(settings.BASE_DIR) / "templates" / "pdf" / "fonts.css"


# --- Fetching: the app's own files only -------------------------------------------------


class RefusedURLError(ValueError):
    """A URL outside the app's static files. WeasyPrint logs it and skips the resource."""


class AppFilesURLFetcher(URLFetcher):
    """Serves files below static/ (the committed fonts among them) and nothing else.

    The HTML of a PDF holds user input; WeasyPrint's default fetcher would read any
    file:// path (/etc/passwd, settings, media of other users) and request any http://
    URL from the server's network. Everything but a file:// URL of an existing file below
    static/ (after resolving symlinks and "..") raises RefusedURLError, which WeasyPrint
    treats as a failed fetch: the image, stylesheet, font or attachment is left out.
    data: URLs are refused too: the PDF templates use none.
    """

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()  # url2pathname unquotes %xx
        if path.is_relative_to(self.root) and path.is_file():
            return path
        return None

    def fetch(self, url, headers=None):
        path = self.allowed_path(url)
        if path is None:
            raise RefusedURLError(f"only the app's static files are fetched, not {url!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


@cache
def url_fetcher() -> AppFilesURLFetcher:
    return AppFilesURLFetcher(static_dir())


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
            "run scripts/make_font_subset.py (its docstring says how)"
        )
    return CSS(
        string=fonts_css_path().read_text(encoding="utf-8"),
        base_url=fonts_dir().as_uri() + "/",
        font_config=FONT_CONFIG,
        url_fetcher=url_fetcher(),
    )


# --- Which characters the fonts can show ------------------------------------------------


@cache
def font_coverage() -> frozenset[int]:
    """Every code point that some font in FONT_FILES maps, read from their cmap tables."""
    code_points: set[int] = set()
    for name in FONT_FILES:
        font = TTFont(str(fonts_dir() / name), lazy=True)
        try:
            code_points.update(font.getBestCmap())
        finally:
            font.close()
    return frozenset(code_points)


# Characters that are drawn as nothing when a font lacks them (HarfBuzz and Pango make
# them empty glyphs, never .notdef): controls, format characters such as ZWJ or the soft
# hyphen, line/paragraph separators, variation selectors and the other default-ignorable
# code points that are not format characters.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
)
# Characters that belong to the one before them, so that a missing emoji, Thai syllable
# or accented letter becomes one marker, not several: marks (Mn, Mc, Me), these ranges,
# and a zero-width joiner with the character it joins.
_ZWJ = "\u200d"
_CLUSTER_EXTENDERS = (
    (0xFE00, 0xFE0F),  # variation selectors (emoji and text presentation)
    (0x1F3FB, 0x1F3FF),  # emoji skin tone modifiers
    (0xE0020, 0xE007F),  # tags (subdivision flags)
    (0xE0100, 0xE01EF),  # variation selectors supplement (ideographic variants)
)
_REGIONAL_INDICATORS = (0x1F1E6, 0x1F1FF)


def _invisible(char: str) -> bool:
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return True
    code_point = ord(char)
    return any(low <= code_point <= high for low, high in _INVISIBLE_RANGES)


def _shown(char: str, coverage: frozenset[int]) -> bool:
    """Whether the PDF shows `char` with a real glyph (or correctly as nothing)."""
    if ord(char) in coverage or _invisible(char):
        return True
    # HarfBuzz draws the Unicode spaces (U+2002 EN SPACE, ...) with the space glyph.
    return unicodedata.category(char) == "Zs" and 0x20 in coverage


def _extends_cluster(char: str) -> bool:
    if unicodedata.category(char) in ("Mn", "Mc", "Me"):
        return True
    code_point = ord(char)
    return any(low <= code_point <= high for low, high in _CLUSTER_EXTENDERS)


def _cluster_end(text: str, start: int) -> int:
    """End of the character at `start` with the marks, modifiers, variation selectors
    and ZWJ-joined characters that follow it (an approximation of a grapheme cluster)."""
    end = start + 1
    low, high = _REGIONAL_INDICATORS
    if low <= ord(text[start]) <= high and end < len(text) and low <= ord(text[end]) <= high:
        end += 1  # a flag is a pair of regional indicators
    while end < len(text):
        if _extends_cluster(text[end]):
            end += 1
        elif text[end] == _ZWJ and end + 1 < len(text) and text[end + 1].isprintable():
            end += 2  # "👨" ZWJ "👩": one emoji
        else:
            break
    return end


def _cluster_start(text: str, index: int) -> int:
    """Start of the cluster holding text[index]: back over marks and ZWJ joins."""
    start = index
    while start > 0 and text[start - 1].isprintable():
        if _extends_cluster(text[start]):
            start -= 1
        elif start >= 2 and text[start - 1] == _ZWJ:
            start -= 2
        else:
            break
    return start


def printable(text: str) -> tuple[str, list[str]]:
    """`text` with every character that no PDF font has replaced by MISSING_MARKER.

    Returns the new text and the replaced characters (distinct, in order of appearance).
    A missing character takes its combining marks, emoji modifiers and ZWJ sequence with
    it into a single marker; a decomposed letter the fonts have composed (e + U+0301 for
    é) is composed instead. Coverage comes from the font files themselves (font_coverage).
    """
    coverage = font_coverage()
    unshown = [char for char in set(text) if not _shown(char, coverage)]
    if not unshown:
        return text, []
    parts: list[str] = []
    missing: list[str] = []
    done = 0  # text[:done] is in parts
    for match in re.finditer("[" + "".join(map(re.escape, unshown)) + "]", text):
        if match.start() < done:
            continue  # in the cluster just replaced
        start = max(_cluster_start(text, match.start()), done)
        end = _cluster_end(text, start)
        cluster = text[start:end]
        parts.append(text[done:start])
        composed = unicodedata.normalize("NFC", cluster)
        if all(_shown(char, coverage) for char in composed):
            parts.append(composed)
        else:
            parts.append(MISSING_MARKER)
            if cluster not in missing:
                missing.append(cluster)
        done = end
    parts.append(text[done:])
    return "".join(parts), missing


# A character reference: &#1234; &#x2A6A5; &amp; (the ; is optional for some names).
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def printable_html(html: str) -> tuple[str, list[str]]:
    """printable() for an HTML document, character references (&#x2A6A5;) included.

    The whole document is checked, markup too: a character in an attribute or the
    <title> is replaced and reported like one in the text.
    """
    coverage = font_coverage()
    parts: list[str] = []
    missing: list[str] = []

    def add(found: list[str]) -> None:
        missing.extend(char for char in found if char not in missing)

    position = 0
    for match in _CHARACTER_REFERENCE.finditer(html):
        text, found = printable(html[position : match.start()])
        parts.append(text)
        add(found)
        reference = match.group()
        decoded = html_lib.unescape(reference)
        if decoded == reference or all(_shown(char, coverage) for char in decoded):
            parts.append(reference)
        else:
            parts.append(MISSING_MARKER)
            add([decoded])
        position = match.end()
    text, found = printable(html[position:])
    parts.append(text)
    add(found)
    return "".join(parts), missing


# --- Rendering --------------------------------------------------------------------------


class _MissingGlyphCollector(logging.Handler):
    """Collects the characters of WeasyPrint's missing-glyph warnings in one thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.characters: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or not isinstance(record.msg, str):
            return
        if not record.msg.startswith(MISSING_GLYPH_MESSAGE):
            return
        # WeasyPrint passes the text it could not draw (a str) as the only argument.
        char = cast(str, record.args[0]) if isinstance(record.args, tuple) and record.args else "?"
        if char not in self.characters:
            self.characters.append(char)


def _render(html: str, base_url: str | None, collect: bool) -> tuple[bytes, list[str]]:
    """The PDF, and (with collect) the characters WeasyPrint drew as .notdef boxes."""
    with _RENDER_LOCK:
        stylesheet = font_stylesheet()
        collector = None
        saved_level = _weasyprint_logger.level
        saved_disabled = _weasyprint_logger.disabled
        if collect:
            collector = _MissingGlyphCollector()
            _weasyprint_logger.addHandler(collector)
            # The warning must reach the handler even if logging is configured quieter.
            _weasyprint_logger.disabled = False
            if not _weasyprint_logger.isEnabledFor(logging.WARNING):
                _weasyprint_logger.setLevel(logging.WARNING)
        try:
            pdf = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher()).write_pdf(
                stylesheets=[stylesheet],
                font_config=FONT_CONFIG,
                pdf_identifier=True,  # MD5 of the content: stable, unlike a random ID
            )
        finally:
            if collector is not None:
                _weasyprint_logger.removeHandler(collector)
                _weasyprint_logger.setLevel(saved_level)
                _weasyprint_logger.disabled = saved_disabled
    return pdf, collector.characters if collector is not None else []


def render_pdf(html: str, *, strict: bool = False, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes.

    With strict=True, raise MissingGlyphError instead of returning a PDF in which some
    characters were drawn as .notdef boxes because no font (neither the subsets nor any
    system fallback) has them. base_url resolves relative URLs in the HTML itself.
    For documents with user input, prefer render_printable_pdf, which never fails on text.
    """
    pdf, missing = _render(html, base_url, collect=strict)
    if missing:
        raise MissingGlyphError(missing)
    return pdf


def render_printable_pdf(html: str, *, base_url: str | None = None) -> RenderedPDF:
    """Render an HTML document to PDF, never failing on characters the fonts lack.

    Every character that no font in FONT_FILES has (a private-use character, Thai, an
    emoji, a rare ideograph beyond the supplement) is drawn as MISSING_MARKER and listed
    in the result's `unprintable`, for a warning such as "这些字符无法在PDF中显示，已用□
    代替: …". System fonts never draw text, so the PDF is the same on every machine.
    Characters that only CSS generates (content: "\\2A6A5") cannot be replaced in the
    HTML: if one still comes out as a .notdef box it is listed too.
    """
    html, unprintable = printable_html(html)
    pdf, drawn_as_notdef = _render(html, base_url, collect=True)
    unprintable.extend(char for char in drawn_as_notdef if char not in unprintable)
    return RenderedPDF(pdf, unprintable)


def pdf_response(request, pdf: bytes, filename: str):
    """A rendered PDF as a download, or shown in the browser with ``?inline=1``."""

    response = HttpResponse(pdf, content_type="application/pdf")
    as_attachment = request.GET.get("inline") != "1"
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response


def unprintable_message(characters) -> str:
    """What the page tells the borrower when a PDF shows characters as □."""

    return gettext(
        "These characters cannot be shown in the PDF and were replaced with □: %(chars)s"
    ) % {"chars": " ".join(characters)}
