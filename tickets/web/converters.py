"""Path converters: a month as YYYY-MM (the first day of that month)."""

import datetime


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        try:
            return datetime.date(int(value[:4]), int(value[5:]), 1)
        except ValueError as error:  # 2026-13: no such month, a 404
            raise ValueError(value) from error

    def to_url(self, value: datetime.date | str) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"
