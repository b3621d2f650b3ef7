"""The Chinese translation is complete, compiled and in step, and the language switch works.

Chinese (zh-hans) is the default UI language: an English source string left untranslated, marked
fuzzy, compiled from an older .po, or translated with a wrong placeholder shows up as English or
breaks at run time in front of a government user. These tests catch that before it ships.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.mo"

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


class Entry:
    def __init__(self):
        self.flags = set()
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}
        self.line = 0

    @property
    def is_header(self):
        return self.msgid == "" and self.msgctxt is None

    @property
    def catalog_key(self):
        """The key gettext.GNUTranslations uses for this entry's (first) translation."""
        msgid = self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"
        return (msgid, 0) if self.msgid_plural is not None else msgid


def parse_po(path):
    """A small PO parser: comments and flags, msgctxt, multi-line strings, msgid_plural and
    msgstr[n]. Obsolete entries (#~) are comments and are skipped."""
    entries = []
    entry, last = Entry(), None

    def finish():
        nonlocal entry, last
        if entry.msgid is not None:
            entries.append(entry)
        entry, last = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#"):
            if entry.msgid is not None:  # a comment starts the next entry
                finish()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif match := _KEYWORD.match(line):
            keyword, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if keyword in ("msgctxt", "msgid") and entry.msgid is not None:
                finish()
            if keyword.startswith("msgstr"):
                last = ("msgstr", int(index or 0))
                entry.msgstr[last[1]] = value
            else:
                last = (keyword, None)
                setattr(entry, keyword, value)
                if keyword in ("msgctxt", "msgid") and not entry.line:
                    entry.line = number
        elif line.startswith('"') and last is not None:
            value = ast.literal_eval(line)
            if last[0] == "msgstr":
                entry.msgstr[last[1]] += value
            else:
                setattr(entry, last[0], getattr(entry, last[0]) + value)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


def _where(entry):
    return f"{ZH_PO.name}:{entry.line} {entry.msgid!r}"


@pytest.fixture(scope="module")
def zh_entries():
    assert ZH_PO.exists(), f"{ZH_PO} is missing"
    entries = parse_po(ZH_PO)
    assert entries and entries[0].is_header, "the .po file must start with its header entry"
    return entries


def test_parser_reads_multiline_and_plural_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"Hello %(name)s, "\n"welcome"\nmsgstr "你好 %(name)s，"\n"欢迎"\n\n'
        'msgctxt "verb"\nmsgid "Sign"\nmsgstr "签收"\n\n'
        'msgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] "%(n)s 个文件"\n\n'
        '#~ msgid "Old"\n#~ msgstr "旧"\n',
        encoding="utf-8",
    )
    header, hello, sign, files = parse_po(po)
    assert header.is_header and header.msgstr[0] == "Language: zh_Hans\n"
    assert hello.msgid == "Hello %(name)s, welcome" and hello.msgstr[0] == "你好 %(name)s，欢迎"
    assert "python-format" in hello.flags
    assert sign.catalog_key == "verb\x04Sign"
    assert files.msgid_plural == "%(n)s files" and files.msgstr == {0: "%(n)s 个文件"}
    assert files.catalog_key == ("%(n)s file", 0)


def test_header_declares_chinese_with_one_plural_form(zh_entries):
    header = zh_entries[0].msgstr[0]
    assert "Language: zh_Hans\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    assert "charset=UTF-8" in header


def test_every_entry_is_translated_and_none_is_fuzzy(zh_entries):
    untranslated = [_where(e) for e in zh_entries if not e.is_header and (not e.msgstr or any(not s.strip() for s in e.msgstr.values()))]
    fuzzy = [_where(e) for e in zh_entries if "fuzzy" in e.flags]
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)


def test_plural_entries_have_the_one_chinese_form(zh_entries):
    wrong = [_where(e) for e in zh_entries if e.msgid_plural is not None and sorted(e.msgstr) != [0]]
    assert not wrong, "with nplurals=1 a plural entry has exactly msgstr[0]:\n" + "\n".join(wrong)


# %(name)s, %(size).1f, %s, %d … (and %% is a literal percent sign); {{ name }} and {name}.
_PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_BRACES = re.compile(r"\{\{\s*([\w.]+)\s*\}\}|(?<!\{)\{(\w*)\}(?!\})")


def placeholders(text):
    found = []
    for match in _PERCENT.finditer(text):
        if match.group("conv") == "%":
            continue
        found.append(match.group(0))  # the whole spec: %(size).1f must stay %(size).1f
    for match in _BRACES.finditer(text):
        found.append("{%s}" % (match.group(1) or match.group(2)))
    return sorted(found)


def test_placeholder_helper():
    assert placeholders("“%(name)s” is too large (%(size).1f MB)") == ["%(name)s", "%(size).1f"]
    assert placeholders("100%% of {{ n }} and {count}") == ["{count}", "{n}"]


def test_placeholders_are_kept_in_every_translation(zh_entries):
    wrong = []
    for entry in zh_entries:
        if entry.is_header:
            continue
        for index, msgstr in entry.msgstr.items():
            source = entry.msgid_plural if (entry.msgid_plural is not None and index > 0) else entry.msgid
            expected = placeholders(source)
            got = placeholders(msgstr)
            if sorted(set(got)) != sorted(set(expected)):
                wrong.append(f"{_where(entry)}: msgid has {expected}, msgstr[{index}] has {got}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_compiled_catalog_is_in_step_with_the_po(zh_entries):
    assert ZH_MO.exists(), "run: manage.py compilemessages -l zh_Hans --ignore=.venv"
    with ZH_MO.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)._catalog
    missing, stale = [], []
    for entry in zh_entries:
        if entry.is_header:
            continue
        key = entry.catalog_key
        if key not in catalog:
            missing.append(_where(entry))
        elif catalog[key] != entry.msgstr.get(0):
            stale.append(_where(entry))
    hint = "\nrecompile: manage.py compilemessages -l zh_Hans --ignore=.venv"
    assert not missing, "in the .po but not in the .mo:\n" + "\n".join(missing) + hint
    assert not stale, "the .mo has an older translation of:\n" + "\n".join(stale) + hint


def test_runtime_translation_is_chinese_by_default():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Submitted") == "已提交"
        assert translation.gettext("Yellow card") == "黄牌督办"
    with translation.override("en"):
        assert translation.gettext("Submitted") == "Submitted"


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_on_request(client):
    login_url = reverse("login")

    page = client.get(login_url).content.decode()
    assert "登录" in page
    assert "Log in" not in page

    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302

    page = client.get(login_url).content.decode()
    assert "Log in" in page
    assert "登录" not in page

    client.post(reverse("set_language"), {"language": "zh-hans", "next": login_url})
    assert "登录" in client.get(login_url).content.decode()
