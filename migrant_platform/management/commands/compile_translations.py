"""Compile every locale/*/LC_MESSAGES/*.po into .mo without GNU gettext.

`compilemessages` needs msgfmt, which a fresh machine with only Python does not have; `make run`
must work there, so this command writes the .mo files itself (GNU mo format, little-endian).
"""

from __future__ import annotations

import ast
import struct
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def parse_po(text: str) -> dict[str, str]:
    """Return {msgid: msgstr} for translated, non-fuzzy entries (msgctxt and plurals encoded as gettext does)."""
    catalog: dict[str, str] = {}
    entry: dict[str, str] = {}
    section = ""
    fuzzy = False

    def flush() -> None:
        nonlocal entry, fuzzy
        msgid = entry.get("msgid")
        # The header (msgid "") carries the charset: keep it even when makemessages marked it fuzzy.
        if msgid is not None and (not fuzzy or msgid == ""):
            key = msgid
            if "msgid_plural" in entry:
                key = f"{msgid}\x00{entry['msgid_plural']}"
                forms = [entry[k] for k in sorted(k for k in entry if k.startswith("msgstr["))]
                value = "\x00".join(forms)
            else:
                value = entry.get("msgstr", "")
            if "msgctxt" in entry:
                key = f"{entry['msgctxt']}\x04{key}"
            if value.replace("\x00", "") or msgid == "":
                catalog[key] = value
        entry, fuzzy = {}, False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            # A comment opens the next entry; "#, fuzzy" marks it as not yet translated.
            if any(k.startswith("msgstr") for k in entry):
                flush()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if not line:
            continue
        if line.startswith('"'):
            entry[section] += ast.literal_eval(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in entry):
            flush()
        section = keyword
        entry[section] = ast.literal_eval(rest)
    flush()
    return catalog


def write_mo(catalog: dict[str, str], path: Path) -> None:
    keys = sorted(catalog)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        key_bytes, value_bytes = key.encode(), catalog[key].encode()
        offsets.append((len(ids), len(key_bytes), len(strs), len(value_bytes)))
        ids += key_bytes + b"\x00"
        strs += value_bytes + b"\x00"
    count = len(keys)
    key_table_start = 7 * 4
    value_table_start = key_table_start + count * 8
    ids_start = value_table_start + count * 8
    strs_start = ids_start + len(ids)
    key_table = b"".join(struct.pack("<2I", length, ids_start + offset) for offset, length, _, _ in offsets)
    value_table = b"".join(struct.pack("<2I", length, strs_start + offset) for _, _, offset, length in offsets)
    header = struct.pack("<7I", 0x950412DE, 0, count, key_table_start, value_table_start, 0, 0)
    path.write_bytes(header + key_table + value_table + ids + strs)


class Command(BaseCommand):
    help = "Compile the project's .po catalogs to .mo (pure Python; no GNU gettext needed)."

    def handle(self, *args, **options) -> None:
        compiled = 0
        # The project's catalogs and its own apps' (never third-party apps: they ship compiled catalogs).
        app_locales = [
            Path(app.path) / "locale"
            for app in apps.get_app_configs()
            if Path(app.path).resolve().is_relative_to(settings.BASE_DIR.resolve())
            and "site-packages" not in Path(app.path).parts
        ]
        for locale_dir in [*settings.LOCALE_PATHS, *app_locales]:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                write_mo(parse_po(po_path.read_text(encoding="utf-8")), po_path.with_suffix(".mo"))
                compiled += 1
        self.stdout.write(f"Compiled {compiled} translation catalog(s).")
