"""Importing people's channel addresses (mobile number, WeCom user id, DingTalk user id) from a CSV
file, by username: the admin's upload page and `manage.py import_channel_addresses file.csv`.

The file has a header row naming its columns: `username` and any of `mobile`, `wecom_userid`,
`dingtalk_userid` (a column left out is left as it is; an empty cell clears the value). UTF-8 (with
or without the BOM Excel writes) or GB18030 (Excel's "CSV" on a Chinese Windows). Every row is
checked first: one bad row and nothing of the file is saved; each error names its line.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import User
from .validators import normalize_mobile

COLUMNS = ("mobile", "wecom_userid", "dingtalk_userid")
MAX_ID_LENGTH = 64


class ImportRefused(Exception):
    """The file was not imported; `errors` are the messages, each naming its line."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def decode(data):
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused([_("The file is neither UTF-8 nor GB18030 text.")])


def parse(data):
    """The changes the file asks for, {username: {field: value}}; raises ImportRefused."""
    reader = csv.DictReader(io.StringIO(decode(data)))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "username" not in header or not set(header) & set(COLUMNS):
        raise ImportRefused([_("Line 1: the header must name username and at least one of %(columns)s.") % {"columns": ", ".join(COLUMNS)}])
    unknown = [name for name in header if name and name != "username" and name not in COLUMNS]
    if unknown:
        raise ImportRefused([_("Line 1: unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}])
    columns = [name for name in COLUMNS if name in header]
    errors, changes, lines = [], {}, {}
    for row in reader:
        line = reader.line_num
        username = (row.get("username") or "").strip()
        if not username:
            errors.append((line, _("Line %(line)s: the username is empty.") % {"line": line}))
            continue
        if username in changes:
            errors.append(
                (
                    line,
                    _("Line %(line)s: %(username)s is already on line %(first)s.")
                    % {"line": line, "username": username, "first": lines[username]},
                )
            )
            continue
        values = {}
        for name in columns:
            value = (row.get(name) or "").strip()
            if name == "mobile":
                try:
                    value = normalize_mobile(value)
                except ValidationError as error:
                    errors.append(
                        (line, _("Line %(line)s: %(value)s: %(error)s") % {"line": line, "value": value, "error": " ".join(error.messages)})
                    )
                    continue
            elif len(value) > MAX_ID_LENGTH:
                errors.append(
                    (
                        line,
                        _("Line %(line)s: %(column)s is longer than %(max)s characters.")
                        % {"line": line, "column": name, "max": MAX_ID_LENGTH},
                    )
                )
                continue
            values[name] = value
        changes[username], lines[username] = values, line
    known = set(User.objects.filter(username__in=changes).values_list("username", flat=True))
    errors.extend(
        (lines[username], _("Line %(line)s: there is no user %(username)s.") % {"line": lines[username], "username": username})
        for username in changes
        if username not in known
    )
    if errors:
        raise ImportRefused([message for _line, message in sorted(errors, key=lambda error: error[0])])
    return changes


def import_addresses(data):
    """Check the whole file, then save it in one transaction. Returns how many people changed;
    raises ImportRefused (nothing saved)."""
    changes = parse(data)
    changed = 0
    with transaction.atomic():
        for user in User.objects.filter(username__in=changes).select_for_update():
            values = changes[user.username]
            if any(getattr(user, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(user, name, value)
                user.save(update_fields=list(values))
                changed += 1
    return changed
