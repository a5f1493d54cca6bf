"""PDFs never fail on text, and never fetch anything but the app's own files.

Characters that no committed font has (a private-use character, Thai, an emoji) are drawn
as □ and reported; rare name characters beyond the BMP such as 𪚥 are drawn by the
"Hanzi Supplement Subset" font. The HTML comes from the same builders as the proposal
letter, the dispute application and the collection complaint.
"""

import logging
import re
import shutil
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from borrowers import pdf
from borrowers.collection.complaint import build_complaint, build_log, complaint_html
from borrowers.pdf import (
    MISSING_GLYPH_MESSAGE,
    MISSING_MARKER,
    AppFilesURLFetcher,
    RefusedURLError,
    font_coverage,
    printable,
    printable_html,
    render_pdf,
    render_printable_pdf,
)
from repayment_plans.disputes.views import application_html
from repayment_plans.proposals import services as proposal_services
from tests.borrowers.test_collection_complaint import TODAY, local, record
from tests.factories import DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal
from tests.repayment_plans.test_disputes import make_dispute

RARE_NAME = "王𪚥"  # U+2A6A5, CJK Extension B: drawn by the supplement font
PRIVATE_USE = "\ue000"
THAI = "สวัสดี"
EMOJI = "👍"
UNPRINTABLE_TEXT = f"备注{PRIVATE_USE}：{THAI} {EMOJI} 完"
# What the fonts cannot show, as reported: a Thai vowel sign goes with its consonant.
EXPECTED_UNPRINTABLE = [PRIVATE_USE, "ส", "วั", "ดี", EMOJI]
SUPPLEMENT_FAMILY = "Hanzi Supplement Subset"


def _poppler(tool: str, data: bytes, tmp_path: Path, *args: str) -> str:
    if not shutil.which(tool):
        pytest.fail(f"{tool} (poppler-utils) is needed; make test installs it")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_text(data: bytes, tmp_path: Path) -> str:
    text = _poppler("pdftotext", data, tmp_path, "-enc", "UTF-8")
    return "".join(text.split())


def pdf_fonts(data: bytes, tmp_path: Path) -> list[str]:
    return _poppler("pdffonts", data, tmp_path).splitlines()[2:]


def truetype_programs(data: bytes) -> list[TTFont]:
    """The TrueType font programs embedded as /FontFile2 streams (they carry /Length1)."""
    fonts = []
    for match in re.finditer(rb"<<([^<>]*/Length1[^<>]*)>>\s*stream\r?\n", data):
        fonts.append(TTFont(BytesIO(zlib.decompressobj().decompress(data[match.end() :]))))
    return fonts


def inflated(data: bytes) -> bytes:
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def notdef_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if MISSING_GLYPH_MESSAGE in r.getMessage()]


def assert_supplement_draws(data: bytes, char: str, tmp_path: Path) -> None:
    """`char` is drawn with a glyph of the embedded supplement font, not just extracted."""
    programs = [
        font
        for font in truetype_programs(data)
        if str(font["name"].getDebugName(1)) == SUPPLEMENT_FAMILY
    ]
    assert len(programs) == 1, [str(f["name"].getDebugName(1)) for f in truetype_programs(data)]
    glyph_name = programs[0].getBestCmap()[ord(char)]
    glyph = programs[0]["glyf"][glyph_name]
    assert glyph.numberOfContours > 0  # a real outline, not an empty subset slot
    truetype = [line for line in pdf_fonts(data, tmp_path) if "CID TrueType" in line]
    assert len(truetype) == 1 and " yes yes yes " in truetype[0], truetype


# --- Through the builders of the three PDFs ---------------------------------------------


def letter_html(alice, huabei_debt, today):
    alice.display_name = RARE_NAME
    alice.hardship_reason = "unemployment"
    alice.hardship_detail = f"公司裁员，正在找工作。{UNPRINTABLE_TEXT}"
    alice.save()
    proposal = make_proposal([huabei_debt], months=12)
    return proposal_services.render_letter_html(proposal, today, "zh-hans")


def dispute_html(alice, huabei_debt, today):
    alice.display_name = RARE_NAME
    alice.save()
    return application_html(make_dispute(huabei_debt, reason=f"已按时还款。{UNPRINTABLE_TEXT}"))


def collection_complaint_html(alice, huabei_debt, today):
    alice.display_name = RARE_NAME
    alice.save()
    bank = DebtFactory(
        borrower=alice,
        profile=profile("credit_card"),
        lender_name="招商银行",
        nickname="招行卡",
    )
    record(alice, local(3, 5, 23, 10), debt=bank, notes=f"深夜来电。{UNPRINTABLE_TEXT}")
    log = build_log(alice.collection_contacts.all())
    return complaint_html(build_complaint(alice, log, TODAY))


@pytest.mark.parametrize(
    "build_html",
    [letter_html, dispute_html, collection_complaint_html],
    ids=["proposal-letter", "dispute-application", "collection-complaint"],
)
def test_characters_no_font_has_become_markers_and_are_reported(
    build_html, alice, huabei_debt, today, tmp_path, caplog
):
    html = build_html(alice, huabei_debt, today)
    assert UNPRINTABLE_TEXT in html and RARE_NAME in html
    with pytest.raises(pdf.MissingGlyphError):  # what finalising used to run into
        render_pdf(html, strict=True)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data, unprintable = render_printable_pdf(html)

    assert data.startswith(b"%PDF")
    assert unprintable == EXPECTED_UNPRINTABLE
    assert notdef_warnings(caplog) == []
    text = pdf_text(data, tmp_path)
    assert RARE_NAME in text  # 𪚥 itself, from the supplement font
    # One marker per character (a Thai vowel sign goes with its consonant); the complaint
    # wraps the text in a table cell, so only its start is matched whole.
    assert "备注□：□□□□" in text
    assert text.count(MISSING_MARKER) >= 1 + 4 + 1
    for char in (PRIVATE_USE, "ส", EMOJI):
        assert char not in text
    assert_supplement_draws(data, "𪚥", tmp_path)
    noto = [line for line in pdf_fonts(data, tmp_path) if "Noto-Sans-SC-Subset " in line]
    assert noto and all(" yes yes yes " in line for line in noto)


def test_a_document_the_fonts_can_show_is_unchanged(alice, huabei_debt, today):
    html = proposal_services.render_letter_html(make_proposal([huabei_debt]), today, "zh-hans")
    assert printable_html(html) == (html, [])
    data, unprintable = render_printable_pdf(html)
    assert unprintable == []
    assert data == render_pdf(html, strict=True)


# --- The supplement font ----------------------------------------------------------------


@pytest.mark.parametrize("weight", [400, 700])
def test_the_supplement_draws_rare_name_characters_in_regular_and_bold(weight, tmp_path, caplog):
    # Faces described alike (same family, weight and style) are merged by WeasyPrint into
    # one PDF font, which would draw 𪚥 with a glyph of the Noto subset (it came out as
    # "Π"), while pdftotext still extracted 𪚥: hence the check of the font program.
    html = (
        '<html lang="zh-CN"><body style="font-family: \'Noto Sans SC Subset\', sans-serif">'
        f'<p style="font-weight: {weight}">申请人：{RARE_NAME}、张𬌗、李𫖯</p></body></html>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data = render_pdf(html, strict=True)
    assert notdef_warnings(caplog) == []
    assert "申请人：王𪚥、张𬌗、李𫖯" in pdf_text(data, tmp_path)
    for char in "𪚥𬌗𫖯":
        assert_supplement_draws(data, char, tmp_path)


def test_coverage_is_read_from_the_font_files(monkeypatch):
    assert {0x2A6A5, ord("李"), ord("堃"), ord(MISSING_MARKER)} <= font_coverage()
    assert ord(PRIVATE_USE) not in font_coverage()
    assert 0x20000 not in font_coverage()  # in no font: the strict-mode tests rely on it
    try:
        font_coverage.cache_clear()
        monkeypatch.setattr(pdf, "FONT_FILES", pdf.FONT_FILES[:2])  # without the supplement
        assert 0x2A6A5 not in font_coverage()
        assert printable(RARE_NAME) == ("王□", ["𪚥"])
    finally:
        monkeypatch.undo()
        font_coverage.cache_clear()
    assert printable(RARE_NAME) == (RARE_NAME, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("李堃 Li Kun ¥1,000", ("李堃 Li Kun ¥1,000", [])),
        ("a\ue000b\ue000", ("a□b□", ["\ue000"])),
        ("สวัสดี!", ("□□□□!", ["ส", "วั", "ดี"])),
        ("👍🏽 好", ("□ 好", ["👍🏽"])),  # with its skin tone
        ("👨\u200d👩\u200d👧", ("□", ["👨\u200d👩\u200d👧"])),  # one family emoji
        ("🇨🇳中国", ("□中国", ["🇨🇳"])),  # a flag is two regional indicators
        ("Jose\u0301", ("José", [])),  # decomposed é, which the font has composed
        ("𠀀\n丟", ("□\n□", ["𠀀", "丟"])),  # 丟 is in system Noto only: never used
        ("a\u200bb\u00adc\u2009d\ufe0f", ("a\u200bb\u00adc\u2009d\ufe0f", [])),  # invisible
    ],
)
def test_printable(text, expected):
    assert printable(text) == expected


def test_printable_html_sees_character_references():
    html = "<p title='&#x2A6A5;'>&#xE000; &#57344 &amp; &lt; &copy; a&b=1 &#x2A6A5;</p>"
    assert printable_html(html) == (
        "<p title='&#x2A6A5;'>□ □ &amp; &lt; &copy; a&b=1 &#x2A6A5;</p>",
        ["\ue000"],
    )


# --- Fetching ---------------------------------------------------------------------------


@pytest.fixture
def http_server():
    """A local HTTP server that counts the requests it gets."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()
    thread.join()


def test_no_url_outside_the_apps_static_files_is_fetched(
    http_server, tmp_path, monkeypatch, caplog
):
    server_url, requests = http_server
    # Readable files outside static/ that WeasyPrint's own fetcher would embed: an SVG
    # image with text, and a stylesheet that writes text.
    secret_svg = tmp_path / "secret.svg"
    secret_svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
        '<text x="0" y="20">SVGSECRET</text></svg>'
    )
    leak_css = tmp_path / "leak.css"
    leak_css.write_text('body::after { content: "CSSSECRET" }')
    html = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<style>
  @import url("file:///etc/hostname");
  @import url("{leak_css.as_uri()}");
  body {{ font-family: "Noto Sans SC Subset", sans-serif; }}
  h1 {{ font-weight: 700; background: url("{server_url}/background.png"); }}
</style>
<link rel="stylesheet" href="{leak_css.as_uri()}">
</head><body>
<h1>协商还款申请书</h1>
<p>申请人：李堃</p>
<img src="file:///etc/passwd">
<img src="http://127.0.0.1:1/x.png">
<img src="{server_url}/x.png">
<img src="{secret_svg.as_uri()}">
<a rel="attachment" href="file:///etc/passwd">附件</a>
</body></html>"""

    calls = []
    fetch = AppFilesURLFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = fetch(self, url, headers)
        except RefusedURLError:
            calls.append((url, "refused"))
            raise
        calls.append((url, "served"))
        return response

    monkeypatch.setattr(AppFilesURLFetcher, "fetch", spy)
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        data = render_pdf(html, strict=True)

    assert requests == []
    refused = {url for url, outcome in calls if outcome == "refused"}
    assert {
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:1/x.png",
        f"{server_url}/x.png",
        f"{server_url}/background.png",
        secret_svg.as_uri(),
        leak_css.as_uri(),
    } <= refused
    static = pdf.static_dir().resolve().as_uri() + "/"
    assert all(url.startswith(static) for url, outcome in calls if outcome == "served")

    raw = inflated(data)
    assert b"/Subtype /Image" not in raw and b"/Subtype/Image" not in raw
    assert b"/EmbeddedFile" not in raw
    text = pdf_text(data, tmp_path)
    assert "协商还款申请书" in text and "李堃" in text
    assert "SVGSECRET" not in text and "CSSSECRET" not in text
    assert "root:" not in text
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else ""
    if hostname:
        assert hostname not in text
    fonts = pdf_fonts(data, tmp_path)
    assert len(fonts) == 2, fonts  # regular and bold, still embedded
    assert all(re.match(r"[A-Z]{6}\+Noto-Sans-SC-Subset(-Bold)? ", line) for line in fonts)
    assert all(" yes yes yes " in line for line in fonts)


def test_the_fetcher_serves_files_below_its_root_only(tmp_path):
    root = tmp_path / "static"
    (root / "fonts").mkdir(parents=True)
    (root / "fonts" / "a.otf").write_bytes(b"OTTO")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = AppFilesURLFetcher(root)

    response = fetcher.fetch((root / "fonts" / "a.otf").as_uri())
    assert response.read() == b"OTTO"
    for url in (
        (root / "fonts" / "missing.otf").as_uri(),
        (root / "fonts").as_uri(),
        (root / "link.txt").as_uri(),  # a symlink out of the root
        root.as_uri() + "/fonts/../../secret.txt",
        root.as_uri() + "/%2e%2e/secret.txt",
        "file://example.com" + (root / "fonts" / "a.otf").as_posix(),
        "http://127.0.0.1:1/static/fonts/a.otf",
        "data:text/plain,hello",
    ):
        with pytest.raises(RefusedURLError):
            fetcher.fetch(url)
