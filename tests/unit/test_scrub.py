import pytest

from survey.export.scrub import SCRUB_TAGS, given_names, scrub_text

# (resident comment, exact text a researcher may see)
COMMENTS = [
    # left untouched: numbers that are not phones, capitalized words that are not names
    (
        "Great event! 5 stars. The kids loved the fire truck.",
        "Great event! 5 stars. The kids loved the fire truck.",
    ),
    (
        "National Night Out 2024 was the best one yet, we stayed 10 minutes longer than planned.",
        "National Night Out 2024 was the best one yet, we stayed 10 minutes longer than planned.",
    ),
    (
        "I think the Police should patrol Main and Park more often after 10 pm.",
        "I think the Police should patrol Main and Park more often after 10 pm.",
    ),
    (
        "Speeding on 5th Ave and Main St is a problem every night.",
        "Speeding on 5th Ave and Main St is a problem every night.",
    ),
    (
        "The 2024 Community Walk was great. We had 500-1000 people and you should call 911 less.",
        "The 2024 Community Walk was great. We had 500-1000 people and you should call 911 less.",
    ),
    (
        "May I suggest more lights? Grace and patience from the officers would help too.",
        "May I suggest more lights? Grace and patience from the officers would help too.",
    ),
    (
        "It was a 10 minute drive and 3 blocks down the road; between 2019 and 2024 it improved.",
        "It was a 10 minute drive and 3 blocks down the road; between 2019 and 2024 it improved.",
    ),
    (
        "I am grateful. I'm Mexican and I'm so happy the Chief of Police came.",
        "I am grateful. I'm Mexican and I'm so happy the Chief of Police came.",
    ),
    (
        "San Antonio PD should visit St. Louis and Santa Rosa to learn from them.",
        "San Antonio PD should visit St. Louis and Santa Rosa to learn from them.",
    ),
    (
        "Necesitamos más patrullas en la colonia Centro. Hay mucho ruido los sábados.",
        "Necesitamos más patrullas en la colonia Centro. Hay mucho ruido los sábados.",
    ),
    (
        "Muchas gracias a la Policía, el evento valió la pena. Le doy 5 estrellas.",
        "Muchas gracias a la Policía, el evento valió la pena. Le doy 5 estrellas.",
    ),
    (
        "En la calle hay 3 perros sueltos y la Calle Mayor tiene baches.",
        "En la calle hay 3 perros sueltos y la Calle Mayor tiene baches.",
    ),
    # names after a title or cue; the cue stays
    (
        "Officer Smith was very kind to my kids.",
        "Officer [NAME] was very kind to my kids.",
    ),
    (
        "Thank you Officer Johnson-Lee for talking to my son Marcus.",
        "Thank you Officer [NAME] for talking to my son [NAME].",
    ),
    (
        "Sgt. O'Brien's dog was a hit, and Deputy Chief Jones gave a good talk.",
        "Sgt. [NAME]'s dog was a hit, and Deputy Chief [NAME] gave a good talk.",
    ),
    (
        "Officers Smith and Lopez were kind. Ofc. Ramirez and Det Chen answered questions.",
        "Officers [NAME] and [NAME] were kind. Ofc. [NAME] and Det [NAME] answered questions.",
    ),
    (
        "Mr. and Mrs. Thompson hosted, Dr. Patel handed out water, Lt. Brown grilled.",
        "Mr. and Mrs. [NAME] hosted, Dr. [NAME] handed out water, Lt. [NAME] grilled.",
    ),
    (
        "Hi, my name is Carmen Ruiz and I'm worried about break-ins.",
        "Hi, my name is [NAME] and I'm worried about break-ins.",
    ),
    (
        "MY NAME IS JOHN SMITH AND I LOVE NNO",
        "MY NAME IS [NAME] AND I LOVE NNO",
    ),
    (
        "El agente Martínez y la oficial Hernández fueron muy amables.",
        "El agente [NAME] y la oficial [NAME] fueron muy amables.",
    ),
    (
        "Me llamo José Luis Pérez y quiero más vigilancia. Mi nombre es Rocío, soy su vecina.",
        "Me llamo [NAME] y quiero más vigilancia. Mi nombre es [NAME], soy su vecina.",
    ),
    (
        "La Sra. López y el Sr. Gómez organizaron todo. Gracias, Don Pedro y Doña Ana.",
        "La Sra. [NAME] y el Sr. [NAME] organizaron todo. Gracias, Don [NAME] y Doña [NAME].",
    ),
    (
        "Soy Guadalupe y el sargento Ramírez García me ayudó mucho.",
        "Soy [NAME] y el sargento [NAME] me ayudó mucho.",
    ),
    # given names from the list, with an optional surname
    (
        "Maria Gonzalez and Jorge from the block party want a follow-up meeting.",
        "[NAME] and [NAME] from the block party want a follow-up meeting.",
    ),
    (
        "Lupe y Chuy vinieron conmigo. La bicicleta de María de la Cruz fue robada.",
        "[NAME] y [NAME] vinieron conmigo. La bicicleta de [NAME] fue robada.",
    ),
    (
        "Thanks Don! Jessica's bike was stolen last week.",
        "Thanks [NAME]! [NAME]'s bike was stolen last week.",
    ),
    # e-mail addresses and URLs
    (
        "Email me at maria.lopez62@gmail.com if you need volunteers.",
        "Email me at [EMAIL] if you need volunteers.",
    ),
    (
        "Contact juan at gmail dot com, or juan [at] yahoo [dot] com, or maria.r at hotmail.com",
        "Contact [EMAIL], or [EMAIL], or [EMAIL]",
    ),
    (
        "Escríbanme: pedro arroba hotmail punto com o pedro @ outlook.com",
        "Escríbanme: [EMAIL] o [EMAIL]",
    ),
    (
        "See my video at https://youtu.be/abc123?t=5551234567 and www.nextdoor.com/post/42.",
        "See my video at [URL] and [URL].",
    ),
    (
        "Look at example.org/report, or bit.ly/3xYz and policia.gob.mx",
        "Look at [URL], or [URL] and [URL]",
    ),
    (
        "Gracias.es bueno que vinieron, y muchas gracias.es todo",
        "Gracias.es bueno que vinieron, y muchas gracias.es todo",
    ),
    # phone numbers
    (
        "Call me at (555) 123-4567 or 555.123.4567 about the stop sign.",
        "Call me at [PHONE] or [PHONE] about the stop sign.",
    ),
    (
        "My cell is +1 555 123 4567, home 1-555-987-6543, work 5551234567.",
        "My cell is [PHONE], home [PHONE], work [PHONE].",
    ),
    (
        "Text me at 555-1234 anytime, we meet at 7 pm and there are 555 homes here.",
        "Text me at [PHONE] anytime, we meet at 7 pm and there are 555 homes here.",
    ),
    (
        "Mi cel: +52 55 1234 5678, o llame al 33 1234 5678 o WhatsApp +52 1 33 1234 5678.",
        "Mi cel: [PHONE], o llame al [PHONE] o WhatsApp [PHONE].",
    ),
    (
        "Mi móvil es 612 34 56 78 y el fijo 91 123 45 67, o +34 612 345 678.",
        "Mi móvil es [PHONE] y el fijo [PHONE], o [PHONE].",
    ),
    # street addresses
    (
        "Someone broke into cars at 123 Main St., Apt 4 and near 45 Oak Avenue NW.",
        "Someone broke into cars at [ADDRESS] and near [ADDRESS].",
    ),
    (
        "Drug activity at 2100 Martin Luther King Jr Blvd and 77 W 5th Street every night.",
        "Drug activity at [ADDRESS] and [ADDRESS] every night.",
    ),
    (
        "I live at 1420 Maple. Come check 88 sunset dr too.",
        "I live at [ADDRESS]. Come check [ADDRESS] too.",
    ),
    (
        "Vivo en Calle Mayor 12 y trabajo en la Avenida Juárez 45.",
        "Vivo en [ADDRESS] y trabajo en la [ADDRESS].",
    ),
    (
        "Robos en Av. Reforma 222, en C/ Mayor, 3 y en Paseo de la Reforma 505.",
        "Robos en [ADDRESS], en [ADDRESS] y en [ADDRESS].",
    ),
    (
        "Hay un bache enorme en la Calle 5 de Mayo 123 y en Carrera 7 # 12-34.",
        "Hay un bache enorme en la [ADDRESS] y en [ADDRESS].",
    ),
    # everything at once
    (
        "I'm Ana Torres, 456 Pine St, (555) 222-3333, ana.t@example.com. Officer Reyes rocks!",
        "I'm [NAME], [ADDRESS], [PHONE], [EMAIL]. Officer [NAME] rocks!",
    ),
]


@pytest.mark.parametrize(("comment", "expected"), COMMENTS)
def test_scrub_comment(comment, expected):
    assert scrub_text(comment) == expected


def test_table_is_large_and_mixes_untouched_and_scrubbed():
    untouched = [comment for comment, expected in COMMENTS if comment == expected]
    assert len(COMMENTS) >= 30
    assert len(untouched) >= 10
    for comment, expected in COMMENTS:
        assert comment == expected or any(tag in expected for tag in SCRUB_TAGS)


@pytest.mark.parametrize(("comment", "expected"), COMMENTS)
def test_scrubbing_twice_changes_nothing(comment, expected):
    assert scrub_text(expected) == expected


def test_tags():
    assert SCRUB_TAGS == ("[EMAIL]", "[PHONE]", "[URL]", "[ADDRESS]", "[NAME]")


def test_empty_and_blank_text():
    assert scrub_text("") == ""
    assert scrub_text("  \n ") == "  \n "


def test_line_breaks_and_spacing_are_kept():
    text = "Officer Smith\nwas kind.\n\n  Call 555-123-4567!\t5 stars"
    assert scrub_text(text) == "Officer [NAME]\nwas kind.\n\n  Call [PHONE]!\t5 stars"


def test_a_name_does_not_run_across_a_line_break():
    assert scrub_text("Thanks Maria\nPolice Department") == "Thanks [NAME]\nPolice Department"


def test_given_names_exclude_common_words_and_tags():
    names = given_names()
    assert len(names) >= 300
    assert {"maria", "jose", "john", "jennifer", "sofia"} <= names
    for word in ("may", "will", "grace", "hope", "luz", "dolores", "park", "main", "police"):
        assert word not in names
    for tag in SCRUB_TAGS:
        assert tag.strip("[]").lower() not in names


def test_every_repeat_in_a_maximum_length_comment_is_scrubbed():
    comment = "Officer Smith at 123 Main St called 555-123-4567 about maria@example.com. " * 13
    assert len(comment) <= 1000
    scrubbed = scrub_text(comment)
    for tag in ("[NAME]", "[ADDRESS]", "[PHONE]", "[EMAIL]"):
        assert scrubbed.count(tag) == 13
