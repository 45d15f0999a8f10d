"""Ship the deadline-engine rules of DOMAIN.md §2 as versioned rows, each with its source and status.

The data is frozen here on purpose: a later correction by a lawyer is an admin edit or a new data
migration, and a fresh install replays exactly what was reviewed.

Where DOMAIN.md gives no date from which a wording applies, the first version starts on BASELINE and
says so in its note. R10 («Амина», geolocation) is out of scope for the platform and is not shipped.
"""

from __future__ import annotations

import datetime

from django.db import migrations

BASELINE = "2020-01-01"
BASELINE_NOTE = "Starts on the platform's baseline date, not on the day this wording took effect (not researched)."

# Shorthands for the verification legend of DOMAIN.md.
OK, PART = "verified", "partial"

RULES = [
    {
        "key": "reg.general",
        "title": "Registration at the place of stay (general rule)",
        "duty_holder": "host",
        "legal_source": "109-ФЗ ст. 20 ч. 3, ст. 22",
        "source_urls": "https://yakutia-sodr.ru/ky/migracijalyk-jesep/\nhttps://klerk.ru/law/news/214529",
        "verification": OK,
        "verification_note": "Deadline verified; fine amounts (КоАП 18.9 ч. 4, 18.8) only partially.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "arrival",
                "offset_amount": 7,
                "offset_unit": "working_days",
                "applies_to_status": "temporary_stay",
                "summary": "The host notifies MVD of the foreigner's arrival within 7 working days of arrival at the place of stay.",
                "citation": "109-ФЗ ст. 20 ч. 3",
                "note": BASELINE_NOTE
                + " Since 26.10.2023 the foreigner may also file in some cases (partially verified).",
            }
        ],
    },
    {
        "key": "reg.hotel",
        "title": "Registration by a hotel or similar host",
        "duty_holder": "hotel",
        "legal_source": "109-ФЗ ст. 21–23; приказ МВД № 856 от 10.12.2020",
        "source_urls": "https://www.klerk.ru/blogs/skb-kontur/675188/",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "arrival",
                "offset_amount": 1,
                "offset_unit": "working_days",
                "summary": "A hotel notifies MVD of a foreign guest's arrival within 1 working day following the day of arrival.",
                "citation": "109-ФЗ ст. 21–23",
                "note": BASELINE_NOTE + " Departure notice: by 12:00 of the day after the guest leaves.",
            }
        ],
    },
    {
        "key": "reg.exempt.TJ",
        "title": "Citizens of Tajikistan: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Соглашение РФ и Таджикистана от 08.02.2013",
        "source_urls": "https://klerk.ru/law/news/343001",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 15,
                "offset_unit": "calendar_days",
                "citizenship_group": "visa_free",
                "citizenships": ["TJK"],
                "summary": "Citizens of Tajikistan are exempt from registration for 15 days from the date of entry.",
                "citation": "Соглашение РФ–Таджикистан от 08.02.2013",
                "note": BASELINE_NOTE + " Not moved to a working day: it is a period of stay without registration.",
            }
        ],
    },
    {
        "key": "reg.exempt.UZ",
        "title": "Citizens of Uzbekistan: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Соглашение РФ и Узбекистана (2021), в силе с 04.06.2022",
        "source_urls": "http://sevastopol-news.com/incident/2022/07/06/225603.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": "2022-06-04",
                "anchor": "entry",
                "offset_amount": 15,
                "offset_unit": "calendar_days",
                "citizenship_group": "visa_free",
                "citizenships": ["UZB"],
                "summary": "Citizens of Uzbekistan are exempt from registration for 15 days from the date of entry.",
                "citation": "Соглашение РФ–Узбекистан, в силе с 04.06.2022",
            }
        ],
    },
    {
        "key": "reg.exempt.KZ",
        "title": "Citizens of Kazakhstan: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Соглашение РФ и Казахстана (2012, ратифицировано 2013/2014)",
        "source_urls": "https://www.pnp.ru/social/2013/02/22/deputaty-ratificirovali-soglashenie-mezhdurossiey-i-kazakhstanom-oprebyvanii-grazhdan-nasvoikh-territoriyakh.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "citizenship_group": "eaeu",
                "citizenships": ["KAZ"],
                "summary": "Citizens of Kazakhstan are exempt from registration for 30 days (сутки) from entry.",
                "citation": "Соглашение РФ–Казахстан (2012)",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "reg.exempt.AM",
        "title": "Citizens of Armenia: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Соглашение РФ и Армении (2014)",
        "source_urls": "https://rg.ru/amp/2014/07/10/armyane-site-anons.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "citizenship_group": "eaeu",
                "citizenships": ["ARM"],
                "summary": "Citizens of Armenia are exempt from registration for 30 days (сутки) from entry.",
                "citation": "Соглашение РФ–Армения (2014)",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "reg.exempt.KG",
        "title": "Citizens of Kyrgyzstan: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Соглашение РФ и Киргизии (2015)",
        "source_urls": "https://gursesintour.com/?p=35742",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "citizenship_group": "eaeu",
                "citizenships": ["KGZ"],
                "summary": "Citizens of Kyrgyzstan are exempt from registration for 30 days (сутки) from entry.",
                "citation": "Соглашение РФ–Киргизия (2015)",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "reg.exempt.EAEU_worker",
        "title": "EAEU workers and their families: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Договор о ЕАЭС от 29.05.2014, ст. 97",
        "source_urls": "http://kalmykia-news.net/incident/2021/05/22/22127.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "citizenship_group": "eaeu",
                "applies_to_status": "eaeu_worker",
                "summary": "EAEU workers and their family members are exempt from registration for 30 days from entry.",
                "citation": "Договор о ЕАЭС ст. 97",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "reg.exempt.BY",
        "title": "Citizens of Belarus: registration exemption after entry",
        "duty_holder": "host",
        "legal_source": "Соглашение РФ и Беларуси от 24.01.2006 и протокол к нему",
        "source_urls": "https://jurexpert.ru/news/news713.html",
        "verification": PART,
        "verification_note": "30 days under the 2006 agreement; a 2014–15 protocol would extend it to 90 days, but its entry into force is not confirmed. Treat as 30 until a lawyer confirms.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "citizenship_group": "eaeu",
                "citizenships": ["BLR"],
                "summary": "Citizens of Belarus are exempt from registration for 30 days (сутки) from entry.",
                "citation": "Соглашение РФ–Беларусь от 24.01.2006",
                "note": BASELINE_NOTE + " Possibly 90 days under the protocol: confirm.",
            }
        ],
    },
    {
        "key": "reg.exempt.HQS",
        "title": "Highly qualified specialists: registration exemption after arrival",
        "duty_holder": "host",
        "legal_source": "109-ФЗ ст. 20 (положения о ВКС)",
        "source_urls": "https://argumenti.ru/politics/2011/08/119205",
        "verification": PART,
        "verification_note": "Old sources (2011); check the current text.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "arrival",
                "offset_amount": 90,
                "offset_unit": "calendar_days",
                "applies_to_status": "hqs",
                "summary": "Highly qualified specialists and their families are exempt from registration for 90 days after arrival.",
                "citation": "109-ФЗ ст. 20",
                "note": BASELINE_NOTE + " On later trips inside Russia, stays of up to 30 days are exempt.",
            }
        ],
    },
    {
        "key": "stay.visa_free",
        "title": "Visa-free stay limit",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 5 п. 1 (ред. 260-ФЗ от 08.08.2024)",
        "source_urls": "https://garant.ru/hotlaw/federal/1746737\nhttps://pda.nakanune.ru/news/2024/12/26/22801843",
        "verification": PART,
        "verification_note": "The rule is verified; its start date is not: 01.01.2025 per MID and MVD, 05.02.2025 (260-FZ in force) per some sources.",
        "versions": [
            {
                "valid_from": BASELINE,
                "valid_to": "2024-12-31",
                "anchor": "entry",
                "citizenship_group": "visa_free_all",
                "applies_to_status": "temporary_stay",
                "limit_days": 90,
                "window": "rolling_180",
                "summary": "A visa-free stay may not exceed 90 days in total in any 180-day period.",
                "citation": "115-ФЗ ст. 5 п. 1 (ред. до 260-ФЗ)",
                "note": BASELINE_NOTE,
            },
            {
                "valid_from": "2025-01-01",
                "anchor": "entry",
                "citizenship_group": "visa_free_all",
                "applies_to_status": "temporary_stay",
                "limit_days": 90,
                "window": "calendar_year",
                "continuous_limit_days": 90,
                "summary": "A visa-free stay may not exceed 90 days in total in a calendar year, nor 90 days of continuous stay.",
                "citation": "115-ФЗ ст. 5 п. 1 в ред. 260-ФЗ от 08.08.2024",
                "note": "Start date 01.01.2025 as MID and MVD apply it. Some sources date the change to 05.02.2025, when 260-FZ took effect overall; if a lawyer confirms that date, end the previous version on 04.02.2025 and start this one on 05.02.2025. The continuous limit runs across the new year; the annual count restarts on 1 January.",
            },
        ],
    },
    {
        "key": "patent.apply",
        "title": "Patent application after entry for work",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 13.3 п. 2; КоАП ст. 18.20",
        "source_urls": "https://www.9111.ru/questions/12955992",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "roll_forward": True,
                "citizenship_group": "visa_free",
                "applies_to_status": "work",
                "summary": "Apply for a patent within 30 calendar days of entry for work; late applicants pay a fine of 10,000–15,000 ₽.",
                "citation": "115-ФЗ ст. 13.3 п. 2",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "patent.contract_copy",
        "title": "Copy of the contract after the patent is issued",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 13.3 п. 7, п. 22",
        "source_urls": "https://all-migration.com/journal/migratsionnye-dokumenty-tonkosti-i-nyuansy/kopiya-dogovora-inostrantsa-i-annulirovanie-patenta/",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "patent_issue",
                "offset_amount": 2,
                "offset_unit": "months",
                "roll_forward": True,
                "applies_to_status": "patent",
                "summary": "Give MVD a copy of the labor or civil contract within 2 months of the patent's issue, or the patent is annulled.",
                "citation": "115-ФЗ ст. 13.3 п. 7",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "patent.pay",
        "title": "Patent payment (fixed advance НДФЛ)",
        "duty_holder": "foreigner",
        "legal_source": "НК ст. 227.1; 115-ФЗ ст. 13.3 п. 5",
        "source_urls": "https://gorod-moskva.ru/inform-block/2223.html",
        "verification": PART,
        "verification_note": "Termination the day after the last paid day is verified; 'no grace, not even 1 day' comes from lawyers' answers.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "paid_period_end",
                "offset_amount": 0,
                "offset_unit": "calendar_days",
                "applies_to_status": "patent",
                "extra": {"remind_days_before": [10, 5, 3, 1]},
                "summary": "The next payment must be credited by the last day of the paid period; the patent ends the day after.",
                "citation": "НК ст. 227.1; 115-ФЗ ст. 13.3 п. 5",
                "note": BASELINE_NOTE
                + " No move to a working day is known for this payment: pay before a non-working last day. Banks may need 1–3 days to credit.",
            }
        ],
    },
    {
        "key": "patent.max",
        "title": "Longest term of a patent",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 13.3 п. 5",
        "source_urls": "https://gorod-moskva.ru/inform-block/2223.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "patent_issue",
                "offset_amount": 12,
                "offset_unit": "months",
                "applies_to_status": "patent",
                "summary": "A patent is valid at most 12 months from its date of issue, however it is paid.",
                "citation": "115-ФЗ ст. 13.3 п. 5",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "patent.reissue",
        "title": "Patent reissue before the 12 months end",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 13.3 п. 8",
        "source_urls": "https://lk.usoft.ru/news/9965",
        "verification": PART,
        "verification_note": "Whether the 2020 'more than one reissue' rule still stands, and any 2024–26 change, is unconfirmed.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "patent_term_end",
                "offset_amount": -10,
                "offset_unit": "working_days",
                "applies_to_status": "patent",
                "summary": "Apply to reissue the patent at least 10 working days before its 12 months end.",
                "citation": "115-ФЗ ст. 13.3 п. 8",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "bio.work",
        "title": "Fingerprinting and medical examination (arrived for work)",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 5 п. 13–14, п. 18 (274-ФЗ от 01.07.2021)",
        "source_urls": "https://vologda-news.net/incident/2026/02/14/361173-amp.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": "2021-12-29",
                "anchor": "entry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "roll_forward": True,
                "applies_to_status": "work",
                "summary": "Fingerprinting, photographing and the medical examination within 30 calendar days of entry for work.",
                "citation": "115-ФЗ ст. 5 п. 13–14, 18",
                "note": "Citizens of Belarus and children under 6 (biometrics) are exempt (partially verified).",
            }
        ],
    },
    {
        "key": "bio.nonwork",
        "title": "Fingerprinting and medical examination (not for work, over 90 days)",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 5 п. 13, п. 18",
        "source_urls": "https://vologda-news.net/incident/2026/02/14/361173-amp.html\nhttps://www.kommersant.ru/doc/8342601",
        "verification": PART,
        "verification_note": "Fingerprinting within 90 days is verified; the medical deadline (90 or 30 days) conflicts between sources.",
        "versions": [
            {
                "valid_from": "2021-12-29",
                "anchor": "entry",
                "offset_amount": 90,
                "offset_unit": "calendar_days",
                "roll_forward": True,
                "applies_to_status": "non_work",
                "summary": "Fingerprinting and the medical examination within 90 calendar days of entry, for stays over 90 days not for work.",
                "citation": "115-ФЗ ст. 5 п. 13, 18",
                "note": "A bill passed in first reading on 10.02.2026 would make the medical deadline 30 days for everyone (not law).",
            }
        ],
    },
    {
        "key": "med.repeat",
        "title": "Repeat medical examination",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 5 п. 19; приказ Минздрава № 1079н",
        "source_urls": "https://base.garant.ru/403444026",
        "verification": PART,
        "verification_note": "The 1-year validity of the medical documents is commonly stated; check the current order.",
        "versions": [
            {
                "valid_from": "2022-03-01",
                "anchor": "medical_expiry",
                "offset_amount": 30,
                "offset_unit": "calendar_days",
                "roll_forward": True,
                "summary": "Repeat the medical examination and submit the results within 30 calendar days after the documents expire.",
                "citation": "115-ФЗ ст. 5 п. 19",
            }
        ],
    },
    {
        "key": "employer.notice.start",
        "title": "Employer's notice of a contract with a foreigner",
        "duty_holder": "employer",
        "legal_source": "115-ФЗ ст. 13 п. 8; КоАП ст. 18.15 ч. 3–4; приказ МВД № 536 от 30.07.2020",
        "source_urls": "https://www.klerk.ru/blogs/klerk365/676801/",
        "verification": OK,
        "verification_note": "Check whether the form order No. 536 was replaced.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "contract_concluded",
                "offset_amount": 3,
                "offset_unit": "working_days",
                "summary": "The employer or customer notifies MVD within 3 working days of concluding a contract with a foreigner.",
                "citation": "115-ФЗ ст. 13 п. 8",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "employer.notice.end",
        "title": "Employer's notice of the end of a contract with a foreigner",
        "duty_holder": "employer",
        "legal_source": "115-ФЗ ст. 13 п. 8; КоАП ст. 18.15 ч. 3–4",
        "source_urls": "https://www.klerk.ru/blogs/klerk365/676801/",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "contract_terminated",
                "offset_amount": 3,
                "offset_unit": "working_days",
                "summary": "The employer or customer notifies MVD within 3 working days of the end of a contract with a foreigner.",
                "citation": "115-ФЗ ст. 13 п. 8",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "school.notice",
        "title": "School's notice of a foreign student's expulsion",
        "duty_holder": "school",
        "legal_source": "115-ФЗ; КоАП ст. 18.19",
        "source_urls": "http://mvdrus.ru/news/1909512-ob-utverjdenii-poryadka-podachi.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "expulsion_order",
                "offset_amount": 3,
                "offset_unit": "working_days",
                "applies_to_status": "student",
                "summary": "The school notifies MVD within 3 working days of the order expelling a foreign student.",
                "citation": "115-ФЗ; КоАП ст. 18.19",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "eaeu.new_contract",
        "title": "EAEU worker: new contract after early termination",
        "duty_holder": "foreigner",
        "legal_source": "Договор о ЕАЭС ст. 97 п. 5",
        "source_urls": "https://yakutia-sodr.ru/ky/tabs/ubaktyluu-boluu-m-n-t-n-uzartuu-2/",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "contract_terminated",
                "offset_amount": 15,
                "offset_unit": "calendar_days",
                "citizenship_group": "eaeu",
                "applies_to_status": "eaeu_worker",
                "summary": "An EAEU worker whose contract ended early, more than 90 days after entry, may sign a new one within 15 days without leaving.",
                "citation": "Договор о ЕАЭС ст. 97 п. 5",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "rvp.annual",
        "title": "RVP holder's annual notice of residence",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 6 п. 9",
        "source_urls": "https://turkmensky.ru/uchrezhdeniya/otdel-mvd-rossii-turkmenskiy/uvedomlenie-o-podtverzhdenii-prozhivaniya-inostrannogo-grazhdanina-v-rossiyskoy-federatsii/",
        "verification": OK,
        "verification_note": "Sanctions only partially verified.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "permit_anniversary",
                "offset_amount": 2,
                "offset_unit": "months",
                "roll_forward": True,
                "applies_to_status": "rvp",
                "summary": "An RVP holder confirms residence within 2 months after each anniversary of receiving the RVP.",
                "citation": "115-ФЗ ст. 6 п. 9",
                "note": BASELINE_NOTE + " With valid reasons, up to 6 months later.",
            }
        ],
    },
    {
        "key": "vnzh.annual",
        "title": "VNZh holder's annual notice of residence",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 8 п. 11; постановление Правительства № 1643 от 16.09.2022",
        "source_urls": "https://spravka-pomosh.ru/uvedomlenie-o-podtverzhdenii-prozhivaniya-v-rossiyskoy-federatsii-inostrannogo-grazhdanina-imeyuschego-vid-na-zhitelstvo.html",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "permit_anniversary",
                "offset_amount": 2,
                "offset_unit": "months",
                "roll_forward": True,
                "applies_to_status": "vnzh",
                "summary": "A VNZh holder confirms residence within 2 months after each anniversary of receiving the VNZh.",
                "citation": "115-ФЗ ст. 8 п. 11",
                "note": BASELINE_NOTE + " With valid reasons, up to 6 months later.",
            }
        ],
    },
    {
        "key": "vnzh.replace_age",
        "title": "Replacement of the VNZh at 14, 20 and 45",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 8 (257-ФЗ от 02.08.2019)",
        "source_urls": "https://omsk.aif.ru/amp/dontknows/kak_prodlit_vid_na_zhitelstvo_vydannyy_na_5_let",
        "verification": OK,
        "versions": [
            {
                "valid_from": "2019-11-01",
                "anchor": "birthday",
                "offset_amount": 1,
                "offset_unit": "months",
                "roll_forward": True,
                "applies_to_status": "vnzh",
                "extra": {"ages": [14, 20, 45]},
                "summary": "Replace an indefinite VNZh within 1 month after turning 14, 20 or 45.",
                "citation": "115-ФЗ ст. 8",
            }
        ],
    },
    {
        "key": "exit.shortened",
        "title": "Exit after the stay term is shortened",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 31 п. 1–3",
        "source_urls": "https://lawnotes.ru/laws/federalnyy-zakon-ot-25.07.2002-n-115-fz/glava-v/statya-31",
        "verification": PART,
        "verification_note": "The edition of art. 31 after 260-FZ was not seen.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "decision_served",
                "offset_amount": 3,
                "offset_unit": "calendar_days",
                "summary": "Leave Russia within 3 days of being served the decision shortening the stay.",
                "citation": "115-ФЗ ст. 31",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "exit.annulled",
        "title": "Exit after an RVP or VNZh is annulled",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 31 п. 1–3",
        "source_urls": "https://lawnotes.ru/laws/federalnyy-zakon-ot-25.07.2002-n-115-fz/glava-v/statya-31",
        "verification": PART,
        "verification_note": "The edition of art. 31 after 260-FZ was not seen.",
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "decision_served",
                "offset_amount": 15,
                "offset_unit": "calendar_days",
                "summary": "Leave Russia within 15 days of being served the decision annulling the RVP or VNZh.",
                "citation": "115-ФЗ ст. 31",
                "note": BASELINE_NOTE,
            }
        ],
    },
    {
        "key": "rkl.report",
        "title": "Report of a person in the controlled-persons register",
        "duty_holder": "foreigner",
        "legal_source": "115-ФЗ ст. 31.1; приказ МВД № 836 от 29.11.2024",
        "source_urls": "https://dzen.ru/b/Z4DUv6tpBy-_T9Sd",
        "verification": OK,
        "versions": [
            {
                "valid_from": "2025-02-25",
                "anchor": "rkl_report",
                "offset_amount": 7,
                "offset_unit": "calendar_days",
                "applies_to_status": "rkl",
                "summary": "A person in the register reports location and departure plans to MVD every 7 days.",
                "citation": "приказ МВД № 836 от 29.11.2024",
            }
        ],
    },
    {
        "key": "ban.overstay",
        "title": "Entry ban after an overstay",
        "duty_holder": "foreigner",
        "legal_source": "114-ФЗ ст. 26–27",
        "source_urls": "https://www.9111.ru/questions/13443785",
        "verification": OK,
        "versions": [
            {
                "valid_from": BASELINE,
                "anchor": "legal_stay_end",
                "extra": {
                    "ban_tiers": [
                        {"over_days": 30, "up_to_days": 180, "ban_years": 3},
                        {"over_days": 180, "up_to_days": 270, "ban_years": 5},
                        {"over_days": 270, "up_to_days": None, "ban_years": 10},
                    ]
                },
                "summary": "Leaving more than 30 days late bars entry for 3 years; 180–270 days for 5 years; over 270 days for 10 years.",
                "citation": "114-ФЗ ст. 26 п. 8, ст. 27",
                "note": BASELINE_NOTE + " For risk scoring; the overstay is counted in calendar days.",
            }
        ],
    },
]


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def load_rules(apps, schema_editor):
    Rule = apps.get_model("legal", "Rule")
    RuleVersion = apps.get_model("legal", "RuleVersion")
    for data in RULES:
        fields = {name: value for name, value in data.items() if name != "versions"}
        rule = Rule.objects.create(**fields)
        for version in data["versions"]:
            RuleVersion.objects.create(
                rule=rule,
                **{
                    **version,
                    "valid_from": _date(version["valid_from"]),
                    "valid_to": _date(version.get("valid_to")),
                },
            )


def unload_rules(apps, schema_editor):
    Rule = apps.get_model("legal", "Rule")
    RuleVersion = apps.get_model("legal", "RuleVersion")
    keys = [data["key"] for data in RULES]
    RuleVersion.objects.filter(rule__key__in=keys).delete()
    Rule.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_rules, unload_rules),
    ]
