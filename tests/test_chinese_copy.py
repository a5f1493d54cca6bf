"""Chinese copy uses Chinese punctuation and one register (你, not 您): in the
zh-Hans catalogue and in the Chinese text written directly in templates."""

import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CJK = r"[\u4e00-\u9fff]"
ASCII_IN_CHINESE = [
    re.compile(rf"{CJK}[:;,!?]"),  # 收入减少: …
    re.compile(rf"{CJK} ?\("),  # …条 (…
    re.compile(rf"\) ?{CJK}"),
    re.compile(rf"{CJK}\.(?:\s|$)"),  # a sentence ending in "."
]
TAGS = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]+>", re.S)


def offences(text: str) -> list[str]:
    found = []
    for pattern in ASCII_IN_CHINESE:
        found += [text[max(0, m.start() - 8) : m.end() + 8] for m in pattern.finditer(text)]
    if "您" in text:
        found.append("您")
    return found


def test_the_check_finds_what_it_is_for():
    assert offences("收入减少: 失业") and offences("依据(第四十五条)") and offences("请您填写")
    assert not offences("收入减少：失业（第四十五条）。你好 12,000 元")


def test_the_chinese_catalogue():
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    bad = {}
    for entry in po:
        if entry.obsolete:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if found := offences(text):
                bad[entry.msgid[:60]] = found
    assert not bad, bad


def test_chinese_written_in_templates():
    bad = {}
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix not in (".html", ".txt"):
            continue
        text = TAGS.sub(" ", path.read_text())
        if found := offences(text):
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, bad
