"""Hypothesis strategies for what a browser (or anyone) can put in a form.

Every field gets values that may be valid for it (so that the deeper checks of
clean() and the saving code are reached) mixed with hostile ones: numbers at
and past every bound, NaN and Infinity, many decimal places, impossible and
far-away dates, unicode (CJK, emoji, right-to-left), control characters and
NUL, 100,000-character strings, values of the wrong type, missing fields and
repeated keys.
"""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from hypothesis import strategies as st

MISSING = object()
HUGE = 100_000

NUMBERS = [
    "0", "-0", "-1", "-0.01", "0.001", "0.005", "1.999999999", "0.1234567890123456789",
    "1e3", "1E+400", "-1e400", "1e-400", "1e10", "1e18", "1e19",
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-inf", "Inf",
    "9" * 30, "1" + "0" * 20, "10000000000", "10000000000.01", "9999999999.99",
    "99999999999.99", "1,000", "１２３", "٣", "1_000", " 12 ", "12abc", "0x10", "1.2.3",
    "+5", "--5", "32767", "32768", "65535", "65536", "2147483647", "2147483648",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "1e20", "-1e20", "99999999999999999999", "-99999999999999999999",
]  # fmt: skip

DATES = [
    "2026-02-30", "2028-02-29", "0001-01-01", "0000-00-00", "9999-12-31", "9999-12-01",
    "10000-01-01", "-0001-01-01", "2026-13-01", "2026-00-10", "1899-12-31", "1900-01-01",
    "1970-01-01", "2000-01-01", "1999-12-31", "2026/01/01", "01/02/2026", "12/31/9999",
    "2026-1-1", "20260101", "today", "now", "2026-01-01T00:00", "2026-01-01 25:00",
    "9999-12-31T23:59", "9999-12-31 23:59:59", "0001-01-01T00:00", "0001-01-01 00:00:00",
    "2026-03", "9999-12", "0001-01",
]  # fmt: skip

TEXTS = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "\t\n\r", "\x1b[31mred", "\x7f", "\x08\x0c",
    "\u202eevil\u202c", "مرحبا بالعالم", "שלום", "你好，世界", "𠜎𠜱𠝹", "😀👨‍👩‍👧🇨🇳", "\ufeff",
    "\u200b\u200d", "Ａ１２", "e\u0301\u0301\u0301", "<script>alert(1)</script>", "' OR 1=1 --",
    "%00", "../../etc/passwd", "{{ 7*7 }}", "{% debug %}", "\\", "null", "None", "true",
    "[]", "{}", "=cmd|' /C calc'!A0", "\r\nSet-Cookie: x=1", "ﷺ", "\U000e0041",
    "𪚥", "王𪚥明", "\ue000", "a\ue000b", "🙂", "还款😀计划", "👍🏽",
]  # fmt: skip

# A query string is cut by any web server long before 100k (gunicorn: 4094
# bytes for the request line), so GET parameters get a shorter "huge".
URL_HUGE = 4000


def huge_values(size: int = HUGE) -> list[str]:
    return ["x" * size, "你" * size, "9" * size, "\x00" * 1000 + "a" * size, "😀" * (size // 3)]


HUGE_VALUES = huge_values()

JUNK_KEYS = [
    "id", "pk", "borrower", "user", "status", "owner", "is_staff", "is_superuser",
    "csrfmiddlewaretoken", "__proto__", "a[b]", "", "\x00", "日本語", "x" * 300,
]  # fmt: skip


def hostile(huge: int = HUGE) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.sampled_from(DATES),
        st.sampled_from(TEXTS),
        st.sampled_from(huge_values(huge)),
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    )


def _decimal(field) -> st.SearchStrategy[str]:
    low = field.min_value if field.min_value is not None else Decimal("-1e12")
    high = field.max_value if field.max_value is not None else Decimal("1e12")
    places = field.decimal_places if field.decimal_places is not None else 6
    step = Decimal(1).scaleb(-places)
    edges = [low, high, low - step, high + step, low + step, high - step]
    return st.one_of(
        st.decimals(min_value=low, max_value=high, places=places).map(str),
        st.decimals(min_value=low, max_value=min(high, Decimal(100_000)), places=2).map(str),
        st.sampled_from([str(e) for e in edges]),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.decimals(min_value=0, max_value=100, places=12).map(str),
    )


def _integer(field) -> st.SearchStrategy[str]:
    low = field.min_value if field.min_value is not None else -40_000
    high = field.max_value if field.max_value is not None else 40_000
    return st.one_of(
        st.integers(min_value=low, max_value=high).map(str),
        st.sampled_from([low - 1, low, high, high + 1]).map(str),
        st.integers().map(str),
    )


def _dates(today: date) -> st.SearchStrategy[date]:
    return st.one_of(
        st.dates(min_value=today - timedelta(days=800), max_value=today + timedelta(days=800)),
        st.sampled_from([today, today - timedelta(days=1), today + timedelta(days=1)]),
        st.dates(),
    )


def _choices(field) -> list[str]:
    keys = []
    for key, label in field.choices:
        if isinstance(label, list | tuple):
            keys += [str(k) for k, _ in label]
        else:
            keys.append(str(key))
    return keys


def valid_ish(field, today: date, hints: list[str]) -> st.SearchStrategy:
    """Values of the right kind for ``field``, at and around its limits."""
    strategies = [st.sampled_from(hints)] if hints else []
    if isinstance(field, forms.ModelMultipleChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        if pks:
            strategies.append(st.lists(st.sampled_from(pks), min_size=1, max_size=3))
    elif isinstance(field, forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        if pks:
            strategies.append(st.sampled_from(pks))
    elif isinstance(field, forms.ChoiceField):
        keys = _choices(field)
        if keys:
            strategies.append(st.sampled_from(keys))
    elif isinstance(field, forms.BooleanField | forms.NullBooleanField):
        strategies.append(st.sampled_from(["on", "1", "true", "True", "", "false", "0", "off"]))
    elif isinstance(field, forms.DecimalField):
        strategies.append(_decimal(field))
    elif isinstance(field, forms.IntegerField):
        strategies.append(_integer(field))
    elif isinstance(field, forms.DateTimeField):
        strategies.append(
            st.builds(
                lambda d, h, m: f"{d.isoformat()}T{h:02d}:{m:02d}",
                _dates(today),
                st.integers(0, 23),
                st.integers(0, 59),
            )
        )
    elif isinstance(field, forms.DateField):
        strategies.append(_dates(today).map(date.isoformat))
        strategies.append(_dates(today).map(lambda d: d.strftime("%Y-%m")))
    elif isinstance(field, forms.EmailField):
        strategies.append(st.emails().filter(lambda e: len(e) <= 254))
        strategies.append(st.sampled_from(["a@b.cn", "ALICE@Example.COM", "张三@例子.中国"]))
    elif isinstance(field, forms.CharField):
        size = min(field.max_length or 80, 200)
        strategies.append(st.text(min_size=1, max_size=size + 2))
        strategies.append(st.sampled_from(["王小明", "招商银行", "A normal note.", "x" * size]))
    if not strategies:
        strategies.append(st.text(max_size=20))
    return st.one_of(*strategies)


SAFE_CHARACTERS = list(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-'()"
    "王小明招商银行还款协商逾期微粒贷花呗借呗，。"
)


def good(field, today: date, hints: list[str]) -> st.SearchStrategy:
    """Values that a careful person would enter: the field is most likely valid."""
    options = [st.sampled_from(hints)] * 2 if hints else []
    if isinstance(field, forms.ModelMultipleChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        if pks:
            options.append(st.lists(st.sampled_from(pks), min_size=1, max_size=3, unique=True))
    elif isinstance(field, forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        if pks:
            options.append(st.sampled_from(pks))
    elif isinstance(field, forms.ChoiceField):
        keys = [key for key in _choices(field) if key]
        if keys:
            options.append(st.sampled_from(keys))
    elif isinstance(field, forms.BooleanField | forms.NullBooleanField):
        options.append(st.sampled_from(["on", "on", ""]))
    elif isinstance(field, forms.DecimalField):
        low = max(field.min_value or Decimal(0), Decimal(0))
        high = min(field.max_value or Decimal(100), Decimal(50_000))
        options.append(st.decimals(min_value=low, max_value=high, places=2).map(str))
    elif isinstance(field, forms.IntegerField):
        low = field.min_value if field.min_value is not None else 1
        high = field.max_value if field.max_value is not None else 120
        options.append(st.integers(min_value=low, max_value=min(high, low + 200)).map(str))
    elif isinstance(field, forms.DateTimeField):
        options.append(
            st.builds(
                lambda d, h, m: f"{d.isoformat()}T{h:02d}:{m:02d}",
                st.dates(today - timedelta(days=300), today - timedelta(days=1)),
                st.integers(0, 23),
                st.integers(0, 59),
            )
        )
    elif isinstance(field, forms.DateField):
        options.append(
            st.one_of(
                st.just(today),
                st.dates(today - timedelta(days=400), today),
                st.dates(today, today + timedelta(days=365)),
            ).map(date.isoformat)
        )
    elif isinstance(field, forms.EmailField):
        options.append(st.integers(1, 10_000).map(lambda n: f"person{n}@example.com"))
    elif isinstance(field, forms.CharField):
        size = min(field.max_length or 60, 60)
        options.append(
            st.text(alphabet=st.sampled_from(SAFE_CHARACTERS), min_size=1, max_size=size)
        )
    if not options:
        options.append(st.text(alphabet=st.sampled_from(SAFE_CHARACTERS), max_size=20))
    if not field.required and not isinstance(field, forms.BooleanField):
        options += [st.just("")] * max(1, len(options))  # optional fields often left blank
    return st.one_of(*options)


def field_value(field, today: date, hints: list[str], huge: int = HUGE) -> st.SearchStrategy:
    single = st.one_of(valid_ish(field, today, hints), hostile(huge))
    return st.one_of(
        st.just(MISSING),
        single,
        single,
        single,
        st.lists(single, min_size=2, max_size=3),  # the key repeated
        st.lists(st.sampled_from(["1", "2", "3"]), min_size=0, max_size=2),  # a list, maybe empty
    )


def payloads(
    form, today: date, hints: dict[str, list[str]], huge: int = HUGE, overrides=None
) -> st.SearchStrategy[dict]:
    """Query data for ``form`` (its fields under their prefixed names) plus junk
    keys; ``overrides`` replaces the strategy of some fields.

    Half the submissions are wild (any field anything); the other half are
    plausible in every field, or in every field but one that is hostile or
    missing: those reach the checks that only run once the other fields are
    valid, and the saving.
    """
    overrides = overrides or {}
    names = [form.add_prefix(name) for name in form.fields]
    wild = {
        form.add_prefix(name): overrides[name]
        if name in overrides
        else field_value(field, today, hints.get(name, []), huge)
        for name, field in form.fields.items()
    }
    plausible = {
        form.add_prefix(name): overrides[name]
        if name in overrides
        else good(field, today, hints.get(name, []))
        for name, field in form.fields.items()
    }
    odd_one = st.one_of(st.just(MISSING), hostile(huge), st.lists(hostile(huge), max_size=3))
    junk = st.dictionaries(st.sampled_from(JUNK_KEYS), hostile(huge), max_size=2)

    @st.composite
    def draw_payload(draw):
        if draw(st.booleans()):
            values = draw(st.fixed_dictionaries(wild))
        else:
            values = draw(st.fixed_dictionaries(plausible))
            if names and draw(st.booleans()):
                values[draw(st.sampled_from(names))] = draw(odd_one)
        data = {key: value for key, value in values.items() if value is not MISSING}
        for key, value in draw(junk).items():
            data.setdefault(key, value)
        return data

    return draw_payload()
