#!/usr/bin/env python3
"""Cut the committed Noto Sans SC subset used by the WeasyPrint PDFs.

PDFs must show real Chinese glyphs on machines that have no CJK font installed (CI,
slim containers), so a subset of Noto Sans CJK SC (SIL Open Font License 1.1) is
committed under static/fonts/ and loaded with @font-face by borrowers.pdf.

The source is Debian's fonts-noto-cjk package: its .ttc collections hold one font per
region (JP, KR, SC, TC, HK, and the Mono variants); the Simplified Chinese one is found
by its family name. The subset covers all of GB2312, ASCII, common punctuation and
symbols, and a list of name characters outside GB2312. The family is renamed to
"Noto Sans SC Subset" so that a system-installed Noto can never be picked instead.

A second, small font covers characters beyond the BMP that the main subset lacks: rare
characters of Chinese personal and place names such as 𪚥 (U+2A6A5, CJK Extension B).
No installed Noto font has them, so it is cut from HanaMinB of Debian's fonts-hanazono
(GlyphWiki project; SIL Open Font License 1.1, or the Hanazono Font License, at our
choice: we take the OFL). HanaMinB covers all of Extensions B to F, but all of Extension
B alone is 21 MB as TrueType (8 MB as woff2), so only a curated list is kept (see
SUPPLEMENT_CHARACTERS, about 200 KB). The OFL reserves the names "HanaMinB" and
"Hanazono", so the subset is renamed "Hanzi Supplement Subset". Its glyphs are Mincho
(serif): it is only ever used for characters the Noto subset lacks. fonts.css loads it as
one more face of the "Noto Sans SC Subset" family, which puts it before any system font.

Run it again after changing the character sets and commit the output:

    apt-get install fonts-noto-cjk
    apt-get download fonts-hanazono && dpkg-deb -x fonts-hanazono_*.deb /tmp/hanazono
    .venv/bin/python scripts/make_font_subset.py --hanazono-root /tmp/hanazono

Unpacking fonts-hanazono rather than installing it keeps Fontconfig from finding HanaMinB
as a system font: installed, it would draw every Extension B character and the tests that
expect U+20000 to have no glyph anywhere would fail on that machine.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import textwrap
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
DEFAULT_OUT_DIR = BASE_DIR / "static" / "fonts"
DEBIAN_DOC_DIR = Path("/usr/share/doc/fonts-noto-cjk")

SOURCE_FAMILY = "Noto Sans CJK SC"
FAMILY = "Noto Sans SC Subset"
PS_FAMILY = "NotoSansSCSubset"

# The supplement: HanaMinB (fonts-hanazono), below --hanazono-root.
HANAZONO_FONT = Path("usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
HANAZONO_COPYRIGHT = Path("usr/share/doc/fonts-hanazono/copyright")
SUPPLEMENT_FILE = "HanziSupplement-Subset-Regular.ttf"
SUPPLEMENT_LICENSE_FILE = "HanziSupplement-OFL.txt"
SUPPLEMENT_FAMILY = "Hanzi Supplement Subset"
SUPPLEMENT_PS_FAMILY = "HanziSupplementSubset"

# (source collection, output file, style name); Bold is a RIBBI style of the family.
STYLES = [
    ("NotoSansCJK-Regular.ttc", "NotoSansSC-Subset-Regular.otf", "Regular"),
    ("NotoSansCJK-Bold.ttc", "NotoSansSC-Subset-Bold.otf", "Bold"),
]

# Only what horizontal Chinese/Latin text needs: 'ccmp' composes marks, 'kern' and
# 'liga' serve Latin text, 'locl' keeps the Simplified Chinese localized forms.
LAYOUT_FEATURES = ["ccmp", "kern", "liga", "locl"]
# Keep the default and Simplified Chinese (ZHS) language systems only. The font's
# JAN/KOR/ZHT/ZHH 'locl' lookups would pull in ~5,900 regional glyph variants (the
# file grows from 1.6 to 2.9 MB) that only lang="ja"/"ko"/"zh-Hant" text would use.
LAYOUT_SCRIPTS = [
    f"{script}.{langsys}"
    for script in ("DFLT", "latn", "hani", "kana", "grek", "cyrl")
    for langsys in ("dflt", "ZHS")
]

# Characters common in personal and place names that GB2312 lacks (the first line is
# the project's list, which repeats a few GB2312 characters; the rest are further
# frequent name characters). Duplicates are harmless, and so are characters that the
# font does not map: the subsetter ignores them.
NAME_CHARACTERS = (
    "堃喆玥昇珺犇镕琨婷璟瑄琦淼焱鑫垚赟祎禕晞昀昱旻暐玮璐瑾锃钰珏彧懿甯旸炜烜熠燊祐禛筠"
    "翀瑢玙瑀珅玹珝瑆琤翾翚炘焜淏浛沄濛宬寯峣芃鹍鹓倞偲勍卲埼堉壵婠嬿弢忞惇愔慜"
    "旼昉昺晙晧晫晳暻曌橦洺渼湉濬"
)

# Characters outside the BMP, for the supplement font. Selected with the Unihan database
# (Unicode 14.0) and written out here so that no Unihan copy is needed to cut the font:
SUPPLEMENT_CHARACTERS = (
    # 1. The 196 characters of the Table of General Standard Chinese Characters (通用规范
    #    汉字表, 2013; Unihan kTGH) outside the BMP: Extensions B, C, D and E, mostly
    #    characters of personal and place names and of technical terms.
    "𠅤𠙶𠳐𡎚𡐓𣗋𣲗𣲘𣸣𤧛𤩽𤫉𥔲𥕢𥖨𥻗𦈡𦒍𦙶𦝼𦭜𦰡𧿹𨐈𨙸𨚕𨟠𨭉𨱇𨱏𨱑𨱔𨺙𩽾𩾃𩾌𪟝𪣻𪤗𪨰"
    "𪨶𪩘𪾢𫄧𫄨𫄷𫄸𫇭𫌀𫍣𫍯𫍲𫍽𫐄𫐐𫐓𫑡𫓧𫓯𫓶𫓹𫔍𫔎𫔶𫖮𫖯𫖳𫗧𫗴𫘜𫘝𫘦𫘧𫘨𫘪𫘬𫚕𫚖𫚭𫛭"
    "𫞩𫟅𫟦𫟹𫟼𫠆𫠊𫠜𫢸𫫇𫭟𫭢𫭼𫮃𫰛𫵷𫶇𫷷𫸩𬀩𬀪𬂩𬃊𬇕𬇙𬇹𬉼𬊈𬊤𬌗𬍛𬍡𬍤𬒈𬒔𬒗𬕂𬘓𬘘𬘡"
    "𬘩𬘫𬘬𬘭𬘯𬙂𬙊𬙋𬜬𬜯𬞟𬟁𬟽𬣙𬣞𬣡𬣳𬤇𬤊𬤝𬨂𬨎𬩽𬪩𬬩𬬭𬬮𬬱𬬸𬬹𬬻𬬿𬭁𬭊𬭎𬭚𬭛𬭤𬭩𬭬"
    "𬭯𬭳𬭶𬭸𬭼𬮱𬮿𬯀𬯎𬱖𬱟𬳵𬳶𬳽𬳿𬴂𬴃𬴊𬶋𬶍𬶏𬶐𬶟𬶠𬶨𬶭𬶮𬷕𬸘𬸚𬸣𬸦𬸪𬹼𬺈𬺓"
    # 2. The 69 characters whose Chinese source is the identity-card system of the
    #    Ministry of Public Security (kIRG_GSource GIDC): characters of registered names.
    "𫝋𫝦𫝧𫝨𫝪𫝴𫞅𫞠𫞢𫞧𫞷𫟇𫟑𫟠𫟢𫟤𫟥𫟫𫟬𫟭𫟳𫟴𫟵𫟶𫟷𫟸𫟻𫠁𫠂𫠅𫠋𫠏𫠡𫠫𫡥𫤬𫩑𫭙𫭛𫭽"
    "𫮌𫯮𫲻𫳁𫵳𫵶𫵺𫶔𫶚𬅄𬅱𬇵𬈐𬌙𬍕𬏂𬑹𬑺𬒃𬜬𬢇𬢎𬧏𬨊𬭙𬮢𬷼𬸁𮀎"
    # 3. Extension B characters of the International Ideographs Core (kIICore): those in
    #    everyday use in at least one region.
    "𠜎𠜱𠝹𠱓𠱸𠲖𠳏𠳕𠴕𠵼𠵿𠸎𠸏𠹷𠺝𠺢𠻗𠻹𠻺𠼭𠼮𠽌𠾴𠾼𠿪𡁜𡁯𡁵𡁶𡁻𡃁𡃉𡇙𢃇𢞵𢫕𢭃𢯊𢱑𢱕"
    "𢳂𢴈𢵌𢵧𢺳𣲷𤓓𤶸𤷪𥄫𦉘𦟌𦧲𦧺𧨾𨅝𨈇𨋢𨳊𨳍𨳒𩶘"
    # 4. Extension B characters of the Xiandai Hanyu Cidian (现代汉语词典, kXHC1983).
    "𠈁𠉂𠊟𠋆𠜋𠞭𠩄𠭯𠮾𠯪𠲎𠴂𠷿𠺖𠼟𡌣𡌴𡍷𡒄𡰪𡸃𡻕𢀖𢌚𢙐𢥞𢫓𢫬𢳀𢳟𢶀𢸳𢹲𢾅𣄊𣇇𣈶𣎴𣔙𣘛"
    "𣟄𣟴𣪕𣭡𣭲𣰇𣰋𣲗𣲘𣴓𣸣𤍐𤏶𤛘𤜱𤝽𤞤𤞶𤩽𤭛𤭢𤰙𤰚𤱝𤳈𤴛𤵐𥁢𥄨𥅻𥇢𥎊𥐻𥑪𥔲𥕢𥕦𥘌𥛱𥞛"
    "𥥷𥬞𥬠𥬯𥮜𥮾𥱼𥷑𥻗𥿝𦈡𦊑𦊱𦌊𦍩𦐌𦔩𦕓𦞦𦨭𦪙𦰏𧄜𧉓𧏾𧟄𧦧𧰵𧴪𧹞𨂿𨄮𨉣𨎪𨓈𨙻𨚗𨟠𨭛𨼣"
    "𩉜𩜇𩞁𩮜𩽾𩾃𩾌𩿿𪁏𪍑𪎊𪎭"
    # 5. Name characters met in practice that no list above has.
    "𪚥"  # U+2A6A5 zhé, four dragons: given names
)
# Never U+20000 (𠀀): the tests use it as the example of a character that no font has.


def gb2312_characters() -> set[str]:
    """Every character that GB2312 encodes (symbols rows 0xA1-0xA9, hanzi 0xB0-0xF7)."""
    chars = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def charset() -> set[int]:
    """The code points kept in the subset."""
    code_points = {ord(char) for char in gb2312_characters()}
    code_points.update(range(0x20, 0x7F))  # ASCII printable
    code_points.update(range(0xA0, 0xC0))  # Latin-1 punctuation and symbols
    code_points.update((0xD7, 0xF7))  # multiplication and division signs
    code_points.update(range(0x2010, 0x2028))  # dashes, quotes, bullets, ellipsis
    code_points.update(range(0x2030, 0x203B))  # per mille, per ten thousand, primes
    code_points.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    code_points.update(range(0xFF01, 0xFF5F))  # full-width forms
    code_points.update((0x00A5, 0xFFE5, 0x2116))  # yen/yuan signs, numero sign
    code_points.update(ord(char) for char in NAME_CHARACTERS)
    return code_points


def supplement_charset() -> set[int]:
    """The code points of the supplement font: never one the main subset already has."""
    return {ord(char) for char in SUPPLEMENT_CHARACTERS} - charset()


def family_name(font: TTFont) -> str | None:
    """The typographic family name if present, else the legacy family name."""
    names = font["name"]
    for name_id in (16, 1):
        record = names.getName(name_id, 3, 1, 0x409) or names.getDebugName(name_id)
        if record is not None:
            return str(record)
    return None


def find_font_number(path: Path, family: str) -> int:
    """Index of the font named `family` in the TrueType Collection at `path`."""
    collection = TTCollection(str(path), lazy=True)
    try:
        for number, font in enumerate(collection.fonts):
            if family_name(font) == family:
                return number
    finally:
        collection.close()
    raise LookupError(f"no font with family {family!r} in {path}")


def rename(font: TTFont, style: str, family: str = FAMILY, ps_family: str = PS_FAMILY) -> None:
    """Give the subset its own family name in the name table and in the CFF table."""
    full_name = family if style == "Regular" else f"{family} {style}"
    ps_name = f"{ps_family}-{style}"
    version = str(font["name"].getDebugName(5) or "Version 1.0").removeprefix("Version ")
    names = font["name"]
    # Drop localized and typographic family names (e.g. 思源黑体-style zh-CN names) so
    # that nothing can still match the original family.
    names.names = [record for record in names.names if record.nameID not in (1, 2, 3, 4, 6)]
    names.removeNames(nameID=16)
    names.removeNames(nameID=17)
    for name_id, value in (
        (1, family),
        (2, style),
        (3, f"{version.split(';')[0]};{ps_name}"),
        (4, full_name),
        (6, ps_name),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)

    if "CFF " not in font:  # TrueType outlines: the name table is all
        return
    cff = font["CFF "].cff
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    top.FullName = full_name
    top.FamilyName = family


def subset_font(source: Path, font_number: int, out: Path, style: str) -> None:
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.layout_scripts = LAYOUT_SCRIPTS
    options.hinting = False
    options.desubroutinize = False
    options.notdef_outline = True
    options.glyph_names = False
    options.name_IDs = ["*"]
    options.name_languages = [0x409, 0]  # English (Windows and Mac)
    options.name_legacy = True
    # Vertical metrics only serve vertical writing, which the PDFs do not use.
    options.drop_tables = [*options.drop_tables, "vhea", "vmtx", "VORG"]

    # Same input, same bytes: keep the source's head.modified instead of "now".
    font = TTFont(str(source), fontNumber=font_number, recalcTimestamp=False, lazy=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(charset()))
    subsetter.subset(font)
    rename(font, style)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    font.close()


def license_text() -> str:
    """The SIL OFL 1.1 text shipped by fonts-noto-cjk.

    Use a standalone license file if the package has one; otherwise extract the
    "License: SIL-1.1" paragraph of the machine-readable debian/copyright file.
    """
    for name in ("LICENSE", "LICENSE.gz", "OFL.txt", "OFL.txt.gz"):
        path = DEBIAN_DOC_DIR / name
        if path.exists():
            data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
            return data.decode("utf-8")
    return copyright_license(DEBIAN_DOC_DIR / "copyright", "SIL")


def copyright_license(copyright_file: Path, marker: str) -> str:
    """The OFL paragraph of a machine-readable debian/copyright file.

    Paragraphs are separated by blank lines; a stand-alone license paragraph starts
    with "License: <name>" (here one whose name contains `marker`) and continues on
    indented lines, where " ." is a blank line.
    """
    paragraphs = copyright_file.read_text(encoding="utf-8").split("\n\n")
    for paragraph in paragraphs:
        first, _, rest = paragraph.strip("\n").partition("\n")
        if not (first.startswith("License:") and marker in first and rest):
            continue
        body = [line[1:] for line in rest.splitlines()]
        text = "\n".join("" if line.strip() == "." else line for line in body)
        if "OPEN FONT LICENSE" in text:
            return textwrap.dedent(text).strip("\n") + "\n"
    raise LookupError(f"no SIL Open Font License text in {copyright_file}")


def write_license(source: Path, font_number: int, out_dir: Path) -> Path:
    font = TTFont(str(source), fontNumber=font_number, lazy=True)
    notice = str(font["name"].getDebugName(0) or "").replace("©", "Copyright")
    font.close()
    header = (
        f"{notice}\n"
        f"{', '.join(out for _, out, _ in STYLES)} are subsets of Noto Sans CJK SC,\n"
        f'renamed "{FAMILY}", made by scripts/make_font_subset.py; they are licensed\n'
        "under the SIL Open Font License, Version 1.1, reproduced below. (For\n"
        f"{SUPPLEMENT_FILE}, see {SUPPLEMENT_LICENSE_FILE}.)\n\n"
    )
    out = out_dir / "OFL.txt"
    out.write_text(header + license_text(), encoding="utf-8")
    return out


def subset_supplement(source: Path, out: Path) -> None:
    """Cut SUPPLEMENT_CHARACTERS from HanaMinB, renamed (the OFL reserves its names)."""
    options = subset.Options()
    options.layout_features = []  # ideographs only: no shaping needed
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    options.name_IDs = ["*"]
    options.name_languages = [0x409, 0]  # drops the reserved Japanese name 花園明朝B
    options.name_legacy = True
    # FontForge's timestamp table, vertical metrics and baselines serve no horizontal text.
    options.drop_tables = [*options.drop_tables, "FFTM", "vhea", "vmtx", "BASE"]

    font = TTFont(str(source), recalcTimestamp=False, lazy=False)
    wanted = supplement_charset()
    lacking = sorted(wanted - set(font.getBestCmap()))
    if lacking:
        raise LookupError(f"{source} lacks {', '.join(f'U+{cp:04X}' for cp in lacking)}")
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(wanted))
    subsetter.subset(font)
    rename(font, "Regular", SUPPLEMENT_FAMILY, SUPPLEMENT_PS_FAMILY)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    font.close()


def write_supplement_license(source: Path, copyright_file: Path, out_dir: Path) -> Path:
    font = TTFont(str(source), lazy=True)
    notice = str(font["name"].getDebugName(0) or "")
    font.close()
    header = (
        f"{notice}\n"
        f"{SUPPLEMENT_FILE} is a subset of HanaMinB (Hanazono fonts, GlyphWiki Project),\n"
        f'renamed "{SUPPLEMENT_FAMILY}" as the reserved font names require, made by\n'
        "scripts/make_font_subset.py. HanaMinB is licensed under the Hanazono Font License\n"
        "or the SIL Open Font License, Version 1.1; this subset is used under the latter,\n"
        "reproduced below.\n\n"
    )
    out = out_dir / SUPPLEMENT_LICENSE_FILE
    out.write_text(header + copyright_license(copyright_file, "Open-Font"), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=DEFAULT_SOURCE_DIR,
        help=f"folder holding NotoSansCJK-*.ttc (default: {DEFAULT_SOURCE_DIR})",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help=f"folder to write the .otf subsets and OFL.txt to (default: {DEFAULT_OUT_DIR})",
    )
    parser.add_argument(
        "--hanazono-root",
        type=Path,
        default=Path("/"),
        help=(
            f"folder holding {HANAZONO_FONT} and {HANAZONO_COPYRIGHT}: / if fonts-hanazono "
            "is installed, or where its .deb was unpacked with dpkg-deb -x (default: /)"
        ),
    )
    args = parser.parse_args(argv)

    sources = [args.source_dir / source for source, _, _ in STYLES]
    missing = [str(path) for path in sources if not path.is_file()]
    if missing:
        print(
            f"Missing {', '.join(missing)}.\nInstall the source fonts with: "
            "apt-get install fonts-noto-cjk",
            file=sys.stderr,
        )
        return 1
    hanazono = args.hanazono_root / HANAZONO_FONT
    hanazono_copyright = args.hanazono_root / HANAZONO_COPYRIGHT
    if not (hanazono.is_file() and hanazono_copyright.is_file()):
        print(
            f"Missing {hanazono} or {hanazono_copyright}.\nUnpack fonts-hanazono with: "
            "apt-get download fonts-hanazono && dpkg-deb -x fonts-hanazono_*.deb DIR\n"
            "and pass --hanazono-root DIR",
            file=sys.stderr,
        )
        return 1

    written = []
    for source, (_, out_name, style) in zip(sources, STYLES, strict=True):
        font_number = find_font_number(source, SOURCE_FAMILY)
        out = args.out_dir / out_name
        subset_font(source, font_number, out, style)
        written.append(out)
    written.append(
        write_license(sources[0], find_font_number(sources[0], SOURCE_FAMILY), args.out_dir)
    )
    supplement = args.out_dir / SUPPLEMENT_FILE
    subset_supplement(hanazono, supplement)
    written.append(supplement)
    written.append(write_supplement_license(hanazono, hanazono_copyright, args.out_dir))

    for path in written:
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
