#!/usr/bin/env python3
"""Cut the committed Noto Sans SC subset used by the WeasyPrint PDFs.

PDFs must show real Chinese glyphs on machines that have no CJK font installed (CI,
slim containers), so a subset of Noto Sans CJK SC (SIL Open Font License 1.1) is
committed under static/fonts/ and loaded with @font-face by repayment_plans.pdf.

The source is Debian's fonts-noto-cjk package: its .ttc collections hold one font per
region (JP, KR, SC, TC, HK, and the Mono variants); the Simplified Chinese one is found
by its family name. The subset covers all of GB2312, ASCII, common punctuation and
symbols, and a list of name characters outside GB2312. The family is renamed to
"Noto Sans SC Subset" so that a system-installed Noto can never be picked instead.

Run it again after changing the character set and commit the output:

    .venv/bin/python scripts/make_font_subset.py
"""

from __future__ import annotations

import argparse
import gzip
import sys
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


def rename(font: TTFont, style: str) -> None:
    """Give the subset its own family name in the name table and in the CFF table."""
    full_name = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    ps_name = f"{PS_FAMILY}-{style}"
    version = str(font["name"].getDebugName(5) or "Version 1.0").removeprefix("Version ")
    names = font["name"]
    # Drop localized and typographic family names (e.g. 思源黑体-style zh-CN names) so
    # that nothing can still match the original family.
    names.names = [record for record in names.names if record.nameID not in (1, 2, 3, 4, 6)]
    names.removeNames(nameID=16)
    names.removeNames(nameID=17)
    for name_id, value in (
        (1, FAMILY),
        (2, style),
        (3, f"{version.split(';')[0]};{ps_name}"),
        (4, full_name),
        (6, ps_name),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)

    cff = font["CFF "].cff
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    top.FullName = full_name
    top.FamilyName = FAMILY


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

    copyright_file = DEBIAN_DOC_DIR / "copyright"
    # Paragraphs are separated by blank lines; a stand-alone license paragraph starts
    # with "License: <name>" and continues on indented lines, where " ." is a blank line.
    paragraphs = copyright_file.read_text(encoding="utf-8").split("\n\n")
    for paragraph in paragraphs:
        first, _, rest = paragraph.strip("\n").partition("\n")
        if not (first.startswith("License:") and "SIL" in first and rest):
            continue
        body = [line[1:] for line in rest.splitlines()]
        text = "\n".join("" if line.strip() == "." else line for line in body)
        if "OPEN FONT LICENSE" in text:
            return text.strip("\n") + "\n"
    raise LookupError(f"no SIL Open Font License text in {copyright_file}")


def write_license(source: Path, font_number: int, out_dir: Path) -> Path:
    font = TTFont(str(source), fontNumber=font_number, lazy=True)
    notice = str(font["name"].getDebugName(0) or "").replace("©", "Copyright")
    font.close()
    header = (
        f"{notice}\n"
        f'The fonts in this folder are subsets of Noto Sans CJK SC, renamed "{FAMILY}",\n'
        "made by scripts/make_font_subset.py; they are licensed under the SIL Open Font\n"
        "License, Version 1.1, reproduced below.\n\n"
    )
    out = out_dir / "OFL.txt"
    out.write_text(header + license_text(), encoding="utf-8")
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

    written = []
    for source, (_, out_name, style) in zip(sources, STYLES, strict=True):
        font_number = find_font_number(source, SOURCE_FAMILY)
        out = args.out_dir / out_name
        subset_font(source, font_number, out, style)
        written.append(out)
    written.append(
        write_license(sources[0], find_font_number(sources[0], SOURCE_FAMILY), args.out_dir)
    )

    for path in written:
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
