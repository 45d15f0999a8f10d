"""The reminder schedules of DOMAIN.md and the first message texts, frozen as reviewed.

Offsets: patent payment takes −10, −5, −3, −1 from the legal rule `patent.pay` (empty offsets here);
document expiry 180 / 90 / 30 days (DOMAIN.md V5); the visa-free stay 30 / 14 / 7 / 3 / 1; the end
of a registration 7 / 3 / 1. Texts: Russian and English for every kind; Uzbek (Latin), Tajik and
Kyrgyz for the reminders. The Uzbek, Tajik and Kyrgyz texts need a native speaker's review before
production (edit them in the admin; the variables are checked on save).
"""

from django.db import migrations

SCHEDULES = [
    {
        "key": "patent.pay",
        "source": "patent_payment",
        "rule_key": "patent.pay",
        "offsets": [],
        "parameters": {},
        "note": "Offsets from the rule version (remind_days_before).",
    },
    {
        "key": "doc.expiry",
        "source": "document_expiry",
        "rule_key": "",
        "offsets": [180, 90, 30],
        "parameters": {"document_types": ["passport", "rvp", "vnzh"]},
        "note": "DOMAIN.md V5: no statutory period; 180 / 90 / 30 days recommended.",
    },
    {
        "key": "stay.visa_free",
        "source": "stay_end",
        "rule_key": "stay.visa_free",
        "offsets": [30, 14, 7, 3, 1],
        "parameters": {},
        "note": "Last lawful day of a visa-free stay without a permit extending it.",
    },
    {
        "key": "registration.end",
        "source": "registration_end",
        "rule_key": "",
        "offsets": [7, 3, 1],
        "parameters": {},
        "note": "Registered-until date of the open registration at the place of stay.",
    },
]

DOC_RU = (
    "{% if document_type == 'rvp' %}разрешения на временное проживание{% elif document_type == 'vnzh' %}"
    "вида на жительство{% else %}паспорта{% endif %}"
)
DOC_EN = (
    "{% if document_type == 'rvp' %}temporary residence permit{% elif document_type == 'vnzh' %}"
    "residence permit{% else %}passport{% endif %}"
)

# (kind, variant, language, subject, body)
TEMPLATES = [
    # --- deadline.reminder, generic ---
    ("deadline.reminder", "", "ru", "Напоминание о сроке: {{ due_on }}",
     "{{ person_name }}, {{ due_on }} истекает срок по вашему миграционному статусу (осталось дней: {{ days_left }}). "
     "Подробности — в личном кабинете."),
    ("deadline.reminder", "", "en", "Deadline reminder: {{ due_on }}",
     "{{ person_name }}, a deadline of your migration status falls on {{ due_on }} ({{ days_left }} days left). "
     "Details are in your personal account."),
    ("deadline.reminder", "", "uz", "Muddat haqida eslatma: {{ due_on }}",
     "{{ person_name }}, migratsiya maqomingiz bo‘yicha muddat {{ due_on }} da tugaydi ({{ days_left }} kun qoldi). "
     "Batafsil — shaxsiy kabinetda."),
    ("deadline.reminder", "", "tg", "Ёддошт дар бораи мӯҳлат: {{ due_on }}",
     "{{ person_name }}, мӯҳлати марбут ба мақоми муҳоҷиратии шумо {{ due_on }} ба охир мерасад "
     "({{ days_left }} рӯз монд). Тафсилот — дар утоқи шахсӣ."),
    ("deadline.reminder", "", "ky", "Мөөнөт тууралуу эскертүү: {{ due_on }}",
     "{{ person_name }}, миграциялык статусуңуз боюнча мөөнөт {{ due_on }} бүтөт ({{ days_left }} күн калды). "
     "Толук маалымат — жеке кабинетте."),
    # --- patent payment ---
    ("deadline.reminder", "patent.pay", "ru", "Оплата патента до {{ due_on }}",
     "{{ person_name }}, оплаченный период патента заканчивается {{ due_on }} (осталось дней: {{ days_left }}). "
     "Внесите следующий платёж заранее: банку может понадобиться 1–3 дня. Без оплаты патент прекращает действие "
     "на следующий день."),
    ("deadline.reminder", "patent.pay", "en", "Patent payment due by {{ due_on }}",
     "{{ person_name }}, the paid period of your patent ends on {{ due_on }} ({{ days_left }} days left). "
     "Pay the next period in advance: banks may need 1–3 days. Unpaid, the patent ends the next day."),
    ("deadline.reminder", "patent.pay", "uz", "Patent to‘lovi {{ due_on }} gacha",
     "{{ person_name }}, patentingizning to‘langan muddati {{ due_on }} da tugaydi ({{ days_left }} kun qoldi). "
     "Keyingi to‘lovni oldindan qiling: bankka 1–3 kun kerak bo‘lishi mumkin. To‘lanmasa, patent ertasi kuni "
     "o‘z kuchini yo‘qotadi."),
    ("deadline.reminder", "patent.pay", "tg", "Пардохти патент то {{ due_on }}",
     "{{ person_name }}, давраи пардохтшудаи патенти шумо {{ due_on }} ба охир мерасад ({{ days_left }} рӯз монд). "
     "Пардохти навбатиро пешакӣ анҷом диҳед: бонк метавонад 1–3 рӯз талаб кунад. Бе пардохт патент рӯзи дигар "
     "эътибор надорад."),
    ("deadline.reminder", "patent.pay", "ky", "Патент төлөмү {{ due_on }} чейин",
     "{{ person_name }}, патентиңиздин төлөнгөн мөөнөтү {{ due_on }} бүтөт ({{ days_left }} күн калды). "
     "Кийинки төлөмдү алдын ала төлөңүз: банкка 1–3 күн керек болушу мүмкүн. Төлөнбөсө, патент эртеси күнү "
     "күчүн жоготот."),
    # --- document expiry ---
    ("deadline.reminder", "doc.expiry", "ru", "Срок действия документа истекает {{ due_on }}",
     "{{ person_name }}, срок действия вашего " + DOC_RU + " истекает {{ due_on }}. Оформите новый документ заранее: "
     "регистрация, патент и другие данные привязаны к документу и потребуют обновления."),
    ("deadline.reminder", "doc.expiry", "en", "Your document expires on {{ due_on }}",
     "{{ person_name }}, your " + DOC_EN + " expires on {{ due_on }}. Get a new one in good time: your registration, "
     "patent and other records are tied to the document and will need updating."),
    ("deadline.reminder", "doc.expiry", "uz", "Hujjatingiz muddati {{ due_on }} da tugaydi",
     "{{ person_name }}, hujjatingizning amal qilish muddati {{ due_on }} da tugaydi. Yangi hujjatni oldindan "
     "rasmiylashtiring: ro‘yxatdan o‘tish, patent va boshqa ma’lumotlar hujjatga bog‘langan."),
    ("deadline.reminder", "doc.expiry", "tg", "Мӯҳлати ҳуҷҷати шумо {{ due_on }} ба охир мерасад",
     "{{ person_name }}, мӯҳлати эътибори ҳуҷҷати шумо {{ due_on }} ба охир мерасад. Ҳуҷҷати навро пешакӣ "
     "гиред: бақайдгирӣ, патент ва дигар маълумот ба ҳуҷҷат вобастаанд."),
    ("deadline.reminder", "doc.expiry", "ky", "Документиңиздин мөөнөтү {{ due_on }} бүтөт",
     "{{ person_name }}, документиңиздин жарактуулук мөөнөтү {{ due_on }} бүтөт. Жаңы документти алдын ала "
     "алыңыз: каттоо, патент жана башка маалыматтар документке байланган."),
    # --- visa-free stay ---
    ("deadline.reminder", "stay.visa_free", "ru", "Последний день пребывания: {{ due_on }}",
     "{{ person_name }}, по нашим данным, {{ due_on }} — последний день законного пребывания в России "
     "(осталось дней: {{ days_left }}). Выезжайте не позднее этой даты или оформите основание для продления "
     "(патент, трудовой договор, учёба). Расчёт ориентировочный."),
    ("deadline.reminder", "stay.visa_free", "en", "Last day of your stay: {{ due_on }}",
     "{{ person_name }}, by our records {{ due_on }} is your last day of lawful stay in Russia "
     "({{ days_left }} days left). Leave by then or obtain a basis to stay longer (a patent, an employment "
     "contract, study). The calculation is indicative."),
    ("deadline.reminder", "stay.visa_free", "uz", "Qolishning oxirgi kuni: {{ due_on }}",
     "{{ person_name }}, ma’lumotlarimizga ko‘ra, {{ due_on }} — Rossiyada qonuniy qolishning oxirgi kuni "
     "({{ days_left }} kun qoldi). Shu sanagacha chiqib keting yoki uzaytirish uchun asos rasmiylashtiring "
     "(patent, mehnat shartnomasi, o‘qish). Hisob taxminiy."),
    ("deadline.reminder", "stay.visa_free", "tg", "Рӯзи охирини будубош: {{ due_on }}",
     "{{ person_name }}, тибқи маълумоти мо, {{ due_on }} рӯзи охирини будубоши қонунӣ дар Русия аст "
     "({{ days_left }} рӯз монд). То ин сана бароед ё барои тамдид асос гиред (патент, шартномаи меҳнатӣ, "
     "таҳсил). Ҳисоб тахминӣ аст."),
    ("deadline.reminder", "stay.visa_free", "ky", "Болуунун акыркы күнү: {{ due_on }}",
     "{{ person_name }}, биздин маалымат боюнча {{ due_on }} — Россияда мыйзамдуу болуунун акыркы күнү "
     "({{ days_left }} күн калды). Ушул күнгө чейин чыгып кетиңиз же узартууга негиз тариздеңиз (патент, "
     "эмгек келишими, окуу). Эсеп болжолдуу."),
    # --- registration at the place of stay ---
    ("deadline.reminder", "registration.end", "ru", "Регистрация заканчивается {{ due_on }}",
     "{{ person_name }}, ваша регистрация по месту пребывания действует до {{ due_on }}. Попросите принимающую "
     "сторону продлить её или выезжайте до этой даты."),
    ("deadline.reminder", "registration.end", "en", "Your registration ends on {{ due_on }}",
     "{{ person_name }}, your registration at the place of stay is valid until {{ due_on }}. Ask your host to "
     "extend it, or leave by then."),
    ("deadline.reminder", "registration.end", "uz", "Ro‘yxatdan o‘tish {{ due_on }} da tugaydi",
     "{{ person_name }}, turgan joyingiz bo‘yicha ro‘yxatingiz {{ due_on }} gacha amal qiladi. Qabul qiluvchi "
     "tomondan uni uzaytirishni so‘rang yoki shu sanagacha chiqib keting."),
    ("deadline.reminder", "registration.end", "tg", "Бақайдгирӣ {{ due_on }} ба охир мерасад",
     "{{ person_name }}, бақайдгирии шумо дар ҷои будубош то {{ due_on }} эътибор дорад. Аз тарафи қабулкунанда "
     "хоҳиш кунед, ки онро тамдид кунад, ё то ин сана бароед."),
    ("deadline.reminder", "registration.end", "ky", "Каттоо {{ due_on }} бүтөт",
     "{{ person_name }}, турган жериңиз боюнча каттооңуз {{ due_on }} чейин жарактуу. Кабыл алуучу тараптан "
     "аны узартууну сураңыз же ушул күнгө чейин чыгып кетиңиз."),
    # --- events ---
    ("application.decision", "", "ru", "Решение по заявлению {{ application_number }}",
     "{{ person_name }}, по вашему заявлению {{ application_number }} ({{ service_name }}) {{ decided_on }} принято "
     "решение: {% if decision == 'approved' %}одобрено{% elif decision == 'refused' %}отказано{% else %}"
     "возвращено{% endif %}.{% if reason %} Причина: {{ reason }}.{% endif %} Подробности — в личном кабинете."),
    ("application.decision", "", "en", "Decision on application {{ application_number }}",
     "{{ person_name }}, on {{ decided_on }} your application {{ application_number }} ({{ service_name }}) was "
     "{% if decision == 'approved' %}approved{% elif decision == 'refused' %}refused{% else %}returned{% endif %}."
     "{% if reason %} Reason: {{ reason }}.{% endif %} Details are in your personal account."),
    ("status.changed", "", "ru", "Ваш статус изменился",
     "{{ person_name }}, с {{ effective_on }} ваш статус: {{ status_label }}.{% if details %} {{ details }}{% endif %}"),
    ("status.changed", "", "en", "Your status has changed",
     "{{ person_name }}, from {{ effective_on }} your status is: {{ status_label }}.{% if details %} {{ details }}{% endif %}"),
    ("registration.recorded", "", "ru", "Регистрация по месту пребывания оформлена",
     "{{ person_name }}, вы поставлены на учёт по месту пребывания: {{ address }} ({{ region_name }}), "
     "с {{ valid_from }} по {{ valid_to }}."),
    ("registration.recorded", "", "en", "Registration at your place of stay recorded",
     "{{ person_name }}, you are registered at {{ address }} ({{ region_name }}) from {{ valid_from }} "
     "to {{ valid_to }}."),
]  # fmt: skip


def load(apps, schema_editor):
    ReminderSchedule = apps.get_model("notifications", "ReminderSchedule")
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    for schedule in SCHEDULES:
        ReminderSchedule.objects.update_or_create(key=schedule["key"], defaults=schedule)
    for kind, variant, language, subject, body in TEMPLATES:
        NotificationTemplate.objects.update_or_create(
            kind=kind, variant=variant, language=language, channel="", defaults={"subject": subject, "body": body}
        )


def unload(apps, schema_editor):
    apps.get_model("notifications", "ReminderSchedule").objects.filter(key__in=[s["key"] for s in SCHEDULES]).delete()
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    for kind, variant, language, _subject, _body in TEMPLATES:
        NotificationTemplate.objects.filter(kind=kind, variant=variant, language=language, channel="").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_delivery_final_states"), ("legal", "0002_load_rules")]

    operations = [migrations.RunPython(load, unload)]
