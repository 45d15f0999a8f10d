"""How each issuing country and each Russian system writes a Cyrillic name in Latin letters.

Names are stored in the national Cyrillic spelling (Uzbek Ў, Қ, Ғ, Ҳ; Tajik Ҷ, Ӯ, Ӣ; Kyrgyz and
Kazakh Ү, Ө, Ң, Ә, Ұ, І), from which this module derives:

* the Russian Cyrillic form that Russian agency systems write (`national_to_russian`: Ғуломов ->
  Гуломов, Ҷӯраев -> Джураев);
* the passport Latin of the issuing country (`to_latin(..., style)`): Uzbek Latin (Жўраев -> JO'RAYEV,
  Холматов -> XOLMATOV), Tajik passports (Ҷамшед -> JAMSHED, Ғаффоров -> GHAFFOROV), Kyrgyz and Kazakh
  ICAO-like passports (Жылдыз -> ZHYLDYZ, Қасымов -> QASYMOV);
* what Russian systems print in their Latin fields from the Russian form: ICAO 9303 as in Russian
  passports since 2013 (Жураев -> ZHURAEV, Юлия -> IULIIA) or the older GOST-like practice (YULIYA).

Countries whose passport Latin cannot be derived from Russian Cyrillic (Armenia, Azerbaijan, China,
Moldova, Ukraine, Belarus, Turkey, India, Vietnam) carry explicit pairs in `names_data`.
"""

from __future__ import annotations


def _letters(spec: str) -> dict[str, str]:
    """`"А:A Ж:ZH Ь:"` -> {"А": "A", "Ж": "ZH", "Ь": ""}: one letter mapping per word."""
    return {letter: latin for letter, _, latin in (pair.partition(":") for pair in spec.split())}


# National letters as Russian records write them.
_NATIONAL_TO_RUSSIAN = _letters("Ў:У Қ:К Ғ:Г Ҳ:Х Ҷ:Дж Ӯ:У Ӣ:И Ү:У Ө:О Ң:Н Ә:А Ұ:У І:И Һ:Х")
_NATIONAL_TO_RUSSIAN |= {k.lower(): v.lower() for k, v in _NATIONAL_TO_RUSSIAN.items()}
_NATIONAL_TABLE = str.maketrans(_NATIONAL_TO_RUSSIAN)

_COMMON = _letters("А:A Б:B В:V Г:G Д:D З:Z И:I К:K Л:L М:M Н:N О:O П:P Р:R С:S Т:T У:U Ф:F Ч:CH Ш:SH Ы:Y Ь: Э:E")

# Uzbek Latin alphabet (1995, as in Uzbek passports): X for Х and H for Ҳ, apostrophes in O' and G'.
_UZBEK = _COMMON | _letters("Ж:J Й:Y Х:X Ц:TS Щ:SH Ъ:' Ё:YO Ю:YU Я:YA Ў:O' Қ:Q Ғ:G' Ҳ:H")
# Tajik passports: Ҷ -> J, Ғ -> GH, Х -> KH, Ҳ -> H.
_TAJIK = _COMMON | _letters("Ж:ZH Й:Y Х:KH Ц:TS Щ:SHCH Ъ: Ё:YO Ю:YU Я:YA Ҷ:J Ҳ:H Қ:Q Ғ:GH Ӯ:U Ӣ:I")
# Kyrgyz and Kazakh passports: ICAO 9303 for the Russian letters, national letters simplified.
_TURKIC_ICAO = _COMMON | _letters("Ж:ZH Й:I Х:KH Ц:TS Щ:SHCH Ъ:IE Ё:E Ю:IU Я:IA Ү:U Ө:O Ң:NG Қ:Q Ғ:G Ә:A Ұ:U І:I Һ:H")
# Russian ICAO 9303 (Russian passports and systems since 2013).
_RUSSIAN_ICAO = _COMMON | _letters("Ж:ZH Й:I Х:KH Ц:TS Щ:SHCH Ъ:IE Ё:E Ю:IU Я:IA")
# The older Russian practice (GOST-like; passports before 2013 and many legacy systems).
_RUSSIAN_GOST = _COMMON | _letters("Ж:ZH Й:Y Х:KH Ц:TS Щ:SHCH Ъ: Ё:E Ю:YU Я:YA")
# What people type on a phone keyboard.
_INFORMAL = _COMMON | _letters("Ж:ZH Й:Y Х:H Ц:TS Щ:SCH Ъ: Ё:YO Ю:YU Я:YA")

_VOWELS = set("АЕЁИОУЫЭЮЯЎӮӢҮӨӘҰІ")
_STYLES = {
    "uz": _UZBEK,
    "tj": _TAJIK,
    "kg": _TURKIC_ICAO,
    "kz": _TURKIC_ICAO,
    "ru_icao": _RUSSIAN_ICAO,
    "ru_gost": _RUSSIAN_GOST,
    "informal": _INFORMAL,
}
# Styles that apply to the Russian form only (national letters are first made Russian).
_RUSSIAN_BASED = {"ru_icao", "ru_gost", "informal"}


def national_to_russian(text: str) -> str:
    """The Russian Cyrillic spelling of a name written with national letters (Ҷӯраев -> Джураев)."""
    return text.translate(_NATIONAL_TABLE)


def to_latin(text: str, style: str, *, initial_ye: bool = True) -> str:
    """Upper-case Latin of `text` in one of the styles: uz, tj, kg, kz, ru_icao, ru_gost, informal.

    `initial_ye` writes a word-initial Е as YE (Ерлан -> YERLAN); Uzbek also writes Е after a vowel
    as YE (Алиев -> ALIYEV), the rule that gives the -YEV endings of Uzbek passports.
    """
    table = _STYLES[style]
    if style in _RUSSIAN_BASED:
        text = national_to_russian(text)
    out: list[str] = []
    previous = ""
    for char in text.upper():
        if char == "Е":
            word_start = not previous.isalpha()
            after_vowel = previous in _VOWELS or previous in "ЪЬ"
            if (word_start and initial_ye and style != "ru_icao") or (after_vowel and style == "uz"):
                out.append("YE")
            else:
                out.append("E")
        else:
            out.append(table.get(char, char))
        previous = char
    return "".join(out)
