"""Ship the federal production calendar (5-day week) for 2025, 2026 and 2027 (DOMAIN.md §5).

Only dates that differ from a plain Monday-to-Friday week are rows. 2025 and 2026 follow the
Government decrees on transfers of days off; 2027 carries only what ТК ст. 112 fixes by itself and
is marked unverified until its decree is checked.
"""

from __future__ import annotations

import datetime

from django.db import migrations

NEW_YEAR = "Новогодние каникулы"
FIXED_HOLIDAYS = [
    ("01-01", NEW_YEAR),
    ("01-02", NEW_YEAR),
    ("01-03", NEW_YEAR),
    ("01-04", NEW_YEAR),
    ("01-05", NEW_YEAR),
    ("01-06", NEW_YEAR),
    ("01-07", "Рождество Христово"),
    ("01-08", NEW_YEAR),
    ("02-23", "День защитника Отечества"),
    ("03-08", "Международный женский день"),
    ("05-01", "Праздник Весны и Труда"),
    ("05-09", "День Победы"),
    ("06-12", "День России"),
    ("11-04", "День народного единства"),
]
SHORT = "Предпраздничный день, сокращён на 1 час (ТК ст. 95)"

YEARS = [
    {
        "year": 2025,
        "decree": "Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»",
        "is_verified": True,
        "note": "Checked against DOMAIN.md §5.2 (Консультант / teko.cntd.ru, holidays-ru).",
        "days": [
            ("05-02", "day_off", "Выходной перенесён с субботы 04.01"),
            ("05-08", "day_off", "Выходной перенесён с воскресенья 23.02"),
            ("06-13", "day_off", "Выходной перенесён с субботы 08.03"),
            ("11-01", "working", "Рабочая суббота: выходной перенесён на 03.11. " + SHORT),
            ("11-03", "day_off", "Выходной перенесён с субботы 01.11"),
            ("12-31", "day_off", "Выходной перенесён с воскресенья 05.01"),
            ("03-07", "short", SHORT),
            ("04-30", "short", SHORT),
            ("06-11", "short", SHORT),
        ],
    },
    {
        "year": 2026,
        "decree": "Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»",
        "is_verified": True,
        "note": "Checked against DOMAIN.md §5.3. No working Saturdays this year.",
        "days": [
            ("01-09", "day_off", "Выходной перенесён с субботы 03.01"),
            ("03-09", "day_off", "ТК ст. 112: 08.03 выпадает на воскресенье"),
            ("05-11", "day_off", "ТК ст. 112: 09.05 выпадает на субботу"),
            ("12-31", "day_off", "Выходной перенесён с воскресенья 04.01"),
            ("04-30", "short", SHORT),
            ("05-08", "short", SHORT),
            ("06-11", "short", SHORT),
            ("11-03", "short", SHORT),
        ],
    },
    {
        "year": 2027,
        "decree": "",
        "is_verified": False,
        "note": (
            "Decree not yet verified: the Government decree on transfers of days off in 2027 was not available "
            "when the sources were cut off (February 2026). Shipped: the fixed holidays of ТК ст. 112 and its "
            "automatic moves of a holiday that falls on a weekend, and pre-holiday short days by ТК ст. 95. "
            "Not shipped: the two weekend days that coincide with 2 and 3 January, which only the decree moves "
            "to other dates (a draft reported in December 2025 mentioned rest on 4–7 November and a working "
            "Saturday 13 November). Update this year from the published decree, then mark it verified."
        ),
        "days": [
            ("05-03", "day_off", "ТК ст. 112: 01.05 выпадает на субботу"),
            ("05-10", "day_off", "ТК ст. 112: 09.05 выпадает на воскресенье"),
            ("06-14", "day_off", "ТК ст. 112: 12.06 выпадает на субботу"),
            ("02-22", "short", SHORT),
            ("04-30", "short", SHORT),
            ("06-11", "short", SHORT),
            ("11-03", "short", SHORT),
            ("12-31", "short", SHORT),
        ],
    },
]


def load_calendar(apps, schema_editor):
    CalendarYear = apps.get_model("legal", "CalendarYear")
    CalendarDay = apps.get_model("legal", "CalendarDay")
    for data in YEARS:
        year = CalendarYear.objects.create(
            year=data["year"], decree=data["decree"], is_verified=data["is_verified"], note=data["note"]
        )
        rows = [(month_day, "holiday", name) for month_day, name in FIXED_HOLIDAYS] + data["days"]
        CalendarDay.objects.bulk_create(
            CalendarDay(date=datetime.date.fromisoformat(f"{year.year}-{month_day}"), year=year, kind=kind, note=note)
            for month_day, kind, note in rows
        )


def unload_calendar(apps, schema_editor):
    CalendarYear = apps.get_model("legal", "CalendarYear")
    CalendarDay = apps.get_model("legal", "CalendarDay")
    years = [data["year"] for data in YEARS]
    CalendarDay.objects.filter(year__in=years).delete()
    CalendarYear.objects.filter(year__in=years).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0002_load_rules"),
    ]

    operations = [
        migrations.RunPython(load_calendar, unload_calendar),
    ]
