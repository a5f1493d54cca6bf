"""Chinese PDFs render with the committed Noto Sans SC subset, not with system fonts."""

import os
import re
import shutil
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont

from borrowers.pdf import FONT_FAMILY, MissingGlyphError, render_pdf

SAMPLE_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>协商还款申请书</title>
  <style>body { font-family: "Noto Sans SC Subset", sans-serif; font-size: 11pt; }</style>
</head>
<body>
  <h1 style="font-weight: 700">协商还款申请书 Repayment negotiation request</h1>
  <p>申请人：李堃（Li Kun），身份证号 110101199001011234。</p>
  <p>本人现欠款人民币 ¥18,000.00（大写：壹万捌仟元整），申请分 12 期偿还。</p>
  <p>I, the undersigned, request a 12-month instalment plan — “诚恳”、100%、‰。</p>
</body>
</html>
"""


def _font_programs(pdf: bytes) -> list[TTFont]:
    """The OpenType font programs embedded as /FontFile3 streams (/Subtype /OpenType)."""
    fonts = []
    for match in re.finditer(rb"<<([^<>]*/Subtype\s*/OpenType[^<>]*)>>\s*stream\r?\n", pdf):
        data = zlib.decompressobj().decompress(pdf[match.end() :])
        fonts.append(TTFont(BytesIO(data)))
    return fonts


def _inflated(pdf: bytes) -> bytes:
    """The raw PDF followed by every Flate stream decompressed (object streams included)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


@pytest.fixture(scope="module")
def sample_pdf():
    return render_pdf(SAMPLE_HTML, strict=True)


def test_chinese_sample_renders_without_missing_glyphs(sample_pdf):
    assert sample_pdf.startswith(b"%PDF")


def test_character_outside_every_font_raises_in_strict_mode():
    # U+20000 (CJK Extension B) is neither in the subset nor in Noto Sans CJK.
    html = "<p style=\"font-family: 'Noto Sans SC Subset'\">申请人：王𠀀</p>"
    with pytest.raises(MissingGlyphError) as excinfo:
        render_pdf(html, strict=True)
    assert excinfo.value.characters == ["𠀀"]
    # Without strict, the same document still renders (with a .notdef box).
    assert render_pdf(html).startswith(b"%PDF")


def test_regular_and_bold_subsets_are_embedded(sample_pdf):
    inflated = _inflated(sample_pdf)
    base_fonts = set(re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", inflated))
    family = FONT_FAMILY.replace(" ", "-").encode()
    assert any(name.endswith(b"+" + family) for name in base_fonts), base_fonts
    assert any(name.endswith(b"+" + family + b"-Bold") for name in base_fonts), base_fonts
    assert inflated.count(b"/FontFile3") >= 2

    # The font programs themselves are cut from the committed files, which carry the
    # renamed family: a system-installed Noto Sans CJK would say NotoSansCJKsc-*.
    programs = _font_programs(sample_pdf)
    ps_names = {name for font in programs for name in font["CFF "].cff.fontNames}
    assert ps_names == {"NotoSansSCSubset-Regular", "NotoSansSCSubset-Bold"}
    assert {str(font["name"].getDebugName(1)) for font in programs} == {FONT_FAMILY}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_text_extracts(sample_pdf, tmp_path):
    path = tmp_path / "sample.pdf"
    path.write_bytes(sample_pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    for expected in ("协商还款申请书", "壹万捌仟元整", "李堃", "¥18,000.00"):
        assert expected in text


def test_same_html_gives_identical_bytes(sample_pdf):
    assert render_pdf(SAMPLE_HTML, strict=True) == sample_pdf


def test_creation_date_comes_only_from_the_html(sample_pdf):
    assert b"/CreationDate" not in _inflated(sample_pdf)
    dated = SAMPLE_HTML.replace(
        "<title>", '<meta name="dcterms.created" content="2026-03-01T09:30:00+08:00"><title>'
    )
    first = render_pdf(dated)
    assert b"/CreationDate (D:20260301093000+08'00)" in _inflated(first)
    assert render_pdf(dated) == first


def test_renders_with_no_system_fonts_at_all(tmp_path):
    """In a process whose Fontconfig knows no font, the subset alone draws the text.

    Run from another working directory too, so the font URLs must be absolute.
    """
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n"
    )
    html_path = tmp_path / "sample.html"
    html_path.write_text(SAMPLE_HTML, encoding="utf-8")
    pdf_path = tmp_path / "sample.pdf"
    code = (
        "import sys, django; django.setup()\n"
        "from pathlib import Path\n"
        "from borrowers.pdf import MissingGlyphError, render_pdf\n"
        "Path(sys.argv[2]).write_bytes(render_pdf(Path(sys.argv[1]).read_text(), strict=True))\n"
        "try:\n"
        "    render_pdf('<p>丟</p>', strict=True)\n"  # in system Noto, not in the subset
        "except MissingGlyphError:\n"
        "    print('isolated')\n"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "PYTHONPATH": str(settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code, str(html_path), str(pdf_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "isolated", "Fontconfig still found system fonts"
    programs = _font_programs(Path(pdf_path).read_bytes())
    assert {name for font in programs for name in font["CFF "].cff.fontNames} == {
        "NotoSansSCSubset-Regular",
        "NotoSansSCSubset-Bold",
    }
