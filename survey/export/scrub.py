"""Scrub resident comments (English and Spanish) of what could identify a person.

A researcher export may include free text only after this pass: URLs, e-mail addresses, phone
numbers, street addresses and personal names are replaced by a tag saying what was there, so
the comment still reads naturally ("Officer [NAME] was kind"). A capitalized word after a
title or "my name is" is always taken as a name; without a cue, only given names from
names.txt are, and that list leaves out names that are also common words, so "May I..." and
"Grace was shown" survive.

Everything is regular expressions plus that one list, with no model and no network, so the
same text always scrubs the same way. It is a safety net, not a guarantee: a name written in
lower case, or a surname on its own, gets through.
"""

import re
import unicodedata
from functools import cache
from importlib import resources

SCRUB_TAGS = ("[EMAIL]", "[PHONE]", "[URL]", "[ADDRESS]", "[NAME]")
EMAIL, PHONE, URL, ADDRESS, NAME = SCRUB_TAGS

# Latin-1 letters cover English and Spanish, including Á, É, Í, Ñ, Ó, Ú and Ü.
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_LETTER = _UPPER + _LOWER
# A capitalized word: "Lopez", "O'Brien", "García-Márquez", "JOSE". A possessive "'s" is left
# outside the word so that "Officer Smith's car" keeps its "'s".
_CAP = rf"[{_UPPER}][{_LETTER}]*(?:-[{_LETTER}]+|['\u2019](?![sS]\b)[{_LETTER}]+)*"
_WORD_START = r"(?<![\w'\u2019\[\]-])"
_BLANK = r"[^\S\r\n]+"
_WORD_END = r"(?!\w|['\u2019](?![sS]\b)\w)"

# ---------------------------------------------------------------- URLs

# Strong top-level domains are taken wherever they appear; weak ones ("es", "us", "co", ...)
# are also ordinary words after a missing space ("gracias.es bueno"), so they need a path.
_STRONG_TLD = r"(?:com|org|net|gov|edu|mil|info|biz|mx)"
_WEAK_TLD = r"(?:es|us|co|io|ly|gl|tv|me|app|dev|link|site|online)"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_PATH = r"/[^\s<>\"]*[^\s<>\"'.,;:!?)\]}]|/"
_URL_RE = re.compile(
    rf"""
    (?:https?://|www\.)[^\s<>"]*[^\s<>"'.,;:!?)\]}}]
    | {_WORD_START}(?<![@./])
      (?:{_LABEL}\.)+(?:{_STRONG_TLD}(?![\w@-])(?:{_PATH})?|{_WEAK_TLD}(?:{_PATH}))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_WEBMAIL = re.compile(
    r"(?:gmail|googlemail|yahoo|hotmail|outlook|live|msn|icloud|me|aol|proton|protonmail"
    r"|comcast|att|sbcglobal|verizon|prodigy|telmex|terra|gmx)\.",
    re.IGNORECASE,
)
# "maria.lopez at gmail.com": the domain belongs to an e-mail address, left for that step.
_EMAIL_AT_BEFORE = re.compile(
    r"(?:@\s*|(?P<local>[\w.+-]+)(?:\s*[\[({<]\s*(?:at|arroba)\s*[\])}>]\s*"
    r"|\s+(?:at|arroba)\s+))\Z",
    re.IGNORECASE,
)


def _replace_url(match: re.Match[str]) -> str:
    """Return [URL], or the match unchanged when it is the domain of an e-mail address.

    "juan @ gmail.com" and "maria.lopez62 at gmail.com" are e-mail addresses, left whole for
    the next step; "look at example.com" is a link. A bare domain counts as the end of an
    address when the word before "at" looks like a user name (digits, dots, underscores) or
    the domain is a webmail provider, and the e-mail pattern really matches there.
    """
    text = match.group()
    if "://" in text or text.lower().startswith("www."):
        return URL
    before = _EMAIL_AT_BEFORE.search(match.string, max(0, match.start() - 80), match.start())
    if before is None:
        return URL
    local = before.group("local")
    if local is None:
        return text
    handle = re.search(r"[\d._+]", local) is not None or _WEBMAIL.match(text) is not None
    email = _OBF_EMAIL_RE.match(match.string, before.start())
    return text if handle and email is not None and email.end() >= match.end() else URL


# ---------------------------------------------------------------- e-mail addresses

_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])[\w.+-]+\s?@\s?{_LABEL}(?:\.{_LABEL})*\.[^\W\d_]{{2,}}(?![\w-])",
)
# Written out to dodge spam bots: "juan at gmail dot com", "juan [at] gmail [dot] com",
# "juan arroba gmail punto com", or "juan at gmail.com".
_OBF_AT = r"(?:\s*[\[({<]\s*(?:at|arroba)\s*[\])}>]\s*|\s+(?:at|arroba)\s+)"
_OBF_DOT = r"(?:\s*[\[({<]\s*(?:dot|punto)\s*[\])}>]\s*|\s+(?:dot|punto)\s+|\.)"
_OBF_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])(?!(?:look|me|us|him|her|them|it|here|there|out|site|page|website)\b)"
    rf"[\w.+-]+{_OBF_AT}[\w-]+(?:{_OBF_DOT}[\w-]+)*?{_OBF_DOT}"
    r"(?:com|org|net|edu|gov|mx|es|us|io|co)(?![\w-])",
    re.IGNORECASE,
)

# ---------------------------------------------------------------- phone numbers

_SEP = r"[ .-]?"
_PHONE_RE = re.compile(
    rf"""
    (?<![\w+])(?:
        (?:\+?1{_SEP})?(?:\(\d{{3}}\){_SEP}|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}  # US
      | (?:\+52{_SEP}(?:1{_SEP})?)?(?:\(\d{{2,3}}\){_SEP}|\d{{2,3}}{_SEP})
        \d{{3,4}}{_SEP}\d{{4}}                                            # Mexico
      | (?:\+34{_SEP})?[6-9]\d{{2}}(?:{_SEP}\d{{2}}){{3}}                  # 612 34 56 78
      | (?:\+34{_SEP})?[6-9]\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}              # 612 345 678
      | (?:\+34{_SEP})?[89]\d{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}       # 91 123 45 67
      | \+\d{{1,3}}(?:{_SEP}\(?\d{{1,4}}\)?){{2,5}}                        # other +CC
    )(?![\w]|[.-]\d)
    """,
    re.VERBOSE,
)
# A seven-digit local number ("call me at 555-1234") only counts after a word about phones:
# on its own "500-1000" is far more likely a range.
_LOCAL_PHONE_RE = re.compile(
    r"(?P<cue>\b(?:call|text|phone|cell|tel|number|llame|llámame|llamame|llamar|marque"
    r"|teléfono|telefono|cel|celular|número|numero|whatsapp)\b[^\d\n]{0,20}?)"
    r"(?<![\w+])\d{3}[ .-]\d{4}(?![\w]|[.-]\d)",
    re.IGNORECASE,
)


def _is_phone(match: re.Match[str]) -> bool:
    """Return whether a candidate has a plausible number of digits for a phone number."""
    digits = sum(char.isdigit() for char in match.group())
    return 8 <= digits <= 15


def _replace_phone(match: re.Match[str]) -> str:
    """Return [PHONE] for a plausible number, the text unchanged otherwise."""
    return PHONE if _is_phone(match) else match.group()


# ---------------------------------------------------------------- street addresses

_HOUSE = r"\d{1,6}[A-Za-z]?(?:-\d{1,4})?"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
_STREET_TOKEN = rf"(?:{_CAP}\.?|{_ORDINAL})"
_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct"
    r"|Place|Pl|Circle|Cir|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Trail|Trl)"
)
_SHORT_SUFFIX = r"(?:st|ave|rd|blvd|dr|ln|ct|pl|pkwy|hwy)"
_DIRECTION = r"(?:N|S|E|W|NE|NW|SE|SW)"
# A full stop after "St" or "NW" is left in place unless a unit follows: it usually ends
# the sentence, and "[ADDRESS]." reads better than "[ADDRESS]".
_UNIT = (
    r"(?:\.?,?\s+(?:Apt|Apartment|Unit|Suite|Ste|Apto|Depto)\.?\s*\#?\s*\w{1,5}(?![\w])"
    r"|\.?,?\s*\#\s*\w{1,5}(?![\w])|\.(?=,))?"
)
_STOP_LOWER = r"(?:to|the|a|an|and|or|of|on|in|at|by|for|my|our|am|pm|more|few|many)"
_EN_ADDRESS_RE = re.compile(
    rf"""
    (?<![\w#/-]){_HOUSE}\s+
    (?:
        (?:{_STREET_TOKEN}\s+){{1,4}}(?i:{_SUFFIX})(?![\w])
      | (?!{_STOP_LOWER}\s)(?:[a-z]+|{_ORDINAL})\s+(?i:{_SHORT_SUFFIX})(?![\w])
    )
    (?:\.?\s+{_DIRECTION}(?![\w]))?{_UNIT}
    """,
    re.VERBOSE,
)
_ES_TYPE = (
    r"(?:(?i:calle|avenida|avda|av|paseo|calzada|calz|camino|carretera|carr|plaza|pza"
    r"|bulevar|boulevard|blvd|ronda|privada|priv|cerrada|callejón|travesía|glorieta"
    r"|andador|carrera|cra)\b\.?|C/)"
)
_ES_LINK = r"(?:de|del|la|las|los|el|y)"
_ES_NAME_TOKEN = rf"(?:{_CAP}|\d{{1,3}})"
_ES_NUMBER = (
    r"(?:,\s*|\s+)(?:(?:\#|(?i:n[oº°]|núm|num)\.?)\s*)?\d{1,5}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?"
)
_ES_ADDRESS_RE = re.compile(
    rf"""
    (?<![\w]){_ES_TYPE}\s*(?:{_ES_LINK}\s+)*
    {_ES_NAME_TOKEN}(?:\s+(?:{_ES_LINK}\s+)*{_ES_NAME_TOKEN}){{0,4}}
    {_ES_NUMBER}(?![\w])
    """,
    re.VERBOSE,
)
# "I live at 1420 Maple" has no street type, but the cue makes it an address all the same.
_LIVE_AT_RE = re.compile(
    rf"(?P<cue>\b(?i:I\s+live\s+at|we\s+live\s+at|my\s+address\s+is|vivo\s+en|vivimos\s+en"
    rf"|mi\s+dirección\s+es|mi\s+direccion\s+es)\s+){_HOUSE}(?:{_BLANK}(?:{_CAP}|{_ORDINAL})){{1,2}}"
    rf"(?![\w])",
)

# ---------------------------------------------------------------- personal names

# Words that introduce a name; the word itself stays ("Officer [NAME]").
TITLES = tuple(
    """
    officer ofc sgt sergeant deputy detective det lt lieutenant captain capt chief corporal cpl
    trooper sheriff commander cmdr inspector mr mrs ms mx miss dr sr sra srta señor señora
    señorita don doña agente oficial sargento teniente capitán capitan comandante jefe jefa
    comisario comisaria profesor profesora maestro maestra pastor father padre reverend rev
    """.split()  # noqa: SIM905 - a word list reads and diffs better as text than as a literal
)
# After a plural title a list of names follows: "Officers Smith and Lopez".
PLURAL_TITLES = ("officers", "deputies", "detectives", "sergeants", "agentes", "oficiales")
NAME_PHRASES = (
    r"my\s+name\s+is",
    r"my\s+name['\u2019]s",
    r"me\s+llamo",
    r"mi\s+nombre\s+es",
    r"se\s+llama",
    r"i['\u2019]m",
    r"i\s+am",
    r"soy",
    r"named",
)
_CUE_BEFORE_RE = re.compile(
    rf"(?<![\w'\u2019])(?:(?:{'|'.join(TITLES)})\.?|(?P<plural>{'|'.join(PLURAL_TITLES)})"
    rf"|{'|'.join(NAME_PHRASES)})[:,]?{_BLANK}\Z",
    re.IGNORECASE,
)
_AND_BETWEEN_RE = re.compile(rf"(?:,|,?{_BLANK}(?:and|y|&)){_BLANK}")
_PLACE_BEFORE_RE = re.compile(
    rf"(?<![\w])(?:San|Santa|Santo|Saint|St\.?|Sta\.?|Fort|Ft\.?|Mount|Mt\.?|Port|Puerto"
    rf"|Lake|Lago|Los|Las){_BLANK}\Z"
)
# Between two parts of one name: a space, or a particle ("de la Cruz", "van der Berg").
_NAME_GAP_RE = re.compile(
    rf"{_BLANK}(?:(?:de|del|de\s+la|de\s+las|de\s+los|van|von|van\s+der|da|di|du|le)"
    rf"{_BLANK})?"
)
_CAP_RE = re.compile(rf"{_WORD_START}{_CAP}{_WORD_END}")
_NAME_TAG_AFTER_RE = re.compile(rf"{_BLANK}{re.escape(NAME)}")

# Capitalized words that are not names even right after a cue: "I'm Glad", "soy De aquí",
# "Officer Was late" (a missing full stop), demonyms after "I'm", and this app's own words.
_NOT_NAMES = frozenset(
    """
    a about after again all also always am an and any are as at back be because been before
    but by can could did do does during each even every few for from further had has have he
    her here him his how i if in into is it its just me more most my no nor not now of off
    on once only or other our out over own same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what
    when where which while who why will with would yes yet you your
    thank thanks please hello hi hey dear sincerely regards ok okay great good glad happy
    proud sure sorry grateful thankful here new old retired disabled tired scared afraid
    worried concerned still really also just fine born raised living from
    american mexican hispanic latino latina latinx black white asian african native
    christian catholic muslim jewish cuban dominican salvadoran guatemalan honduran
    colombian venezuelan puerto spanish english korean chinese vietnamese filipino indian
    irish italian german mexicano mexicana estadounidense
    police policía policia department departamento officer officers station community
    comunidad national night out event evento park parque street calle avenue avenida
    school escuela church iglesia center centro city ciudad county condado neighborhood
    vecindario colonia barrio downtown main north south east west norte sur este oeste
    monday tuesday wednesday thursday friday saturday sunday january february march july
    september october november december lunes martes miércoles jueves viernes sábado domingo
    el la los las un una unos unas y o de del al en con por para pero que como muy más mas
    es son fue era está estan están estoy soy somos hay mi mis su sus nuestro nuestra yo tu
    usted ustedes ellos ellas nosotros gracias hola buenas buenos bien mal todo todos nada
    también tambien nuevo nueva vecino vecina residente madre padre mamá papá señor señora
    """.split()  # noqa: SIM905 - a word list reads and diffs better as text than as a literal
)


def _fold(word: str) -> str:
    """Return `word` lower-cased, without accents or a final dot: the form lists are kept in."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("\u2019", "'").rstrip("."))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_TITLE_WORDS = frozenset(map(_fold, TITLES + PLURAL_TITLES))


@cache
def given_names() -> frozenset[str]:
    """Return the common English and Spanish given names that are scrubbed without a cue.

    The list leaves out names that are also everyday words (Grace, May, Will, Dolores, Luz,
    Esperanza) or places (Austin, Charlotte), so a sentence starting with one survives;
    those names are still caught after a title or "my name is".
    """
    text = resources.files(__package__).joinpath("names.txt").read_text(encoding="utf-8")
    return frozenset(
        _fold(line.strip()) for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _nameable(word: str) -> bool:
    """Return whether a capitalized word may be (part of) a person's name."""
    folded = _fold(word)
    return folded not in _NOT_NAMES and folded not in _TITLE_WORDS


def _name_span(text: str, words: list[re.Match[str]], first: int) -> int:
    """Return the index of the last word of a name starting at `words[first]`.

    A name runs over up to three capitalized words joined by spaces or particles, enough
    for "José Ramírez García" or "María de la Cruz".
    """
    last = first
    while (
        last + 1 < len(words)
        and last - first < 2
        and _NAME_GAP_RE.fullmatch(text, words[last].end(), words[last + 1].start())
        and _nameable(words[last + 1].group())
    ):
        last += 1
    return last


def _is_title_here(text: str, words: list[re.Match[str]], index: int) -> bool:
    """Return whether a word that is both a title and a given name ("Don") acts as a title.

    It does when a name follows, whether still in clear or already replaced by [NAME].
    """
    return (
        _name_span(text, words, index) > index
        or _NAME_TAG_AFTER_RE.match(text, words[index].end()) is not None
    )


def _scrub_names(text: str) -> str:
    """Return `text` with names after a cue, and known given names, replaced by [NAME].

    A title that is itself followed by a name is kept ("Don [NAME]"); a given name right
    after a place word ("San Antonio", "St. Louis") is a place and is left alone.
    """
    words = list(_CAP_RE.finditer(text))
    names = given_names()
    pieces: list[str] = []
    copied = 0
    plural_end: int | None = None
    i = 0
    while i < len(words):
        word = words[i]
        start = word.start()
        window = max(0, start - 40)
        folded = _fold(word.group())
        cue = _CUE_BEFORE_RE.search(text, window, start)
        listed = plural_end is not None and _AND_BETWEEN_RE.fullmatch(text, plural_end, start)
        by_cue = (cue is not None or listed) and _nameable(word.group())
        by_list = (
            folded in names
            and _PLACE_BEFORE_RE.search(text, window, start) is None
            and not (folded in _TITLE_WORDS and _is_title_here(text, words, i))
        )
        if not (by_cue or by_list):
            plural_end = None
            i += 1
            continue
        last = _name_span(text, words, i)
        pieces += [text[copied:start], NAME]
        copied = words[last].end()
        plural_end = copied if (cue is not None and cue.group("plural")) or listed else None
        i = last + 1
    pieces.append(text[copied:])
    return "".join(pieces)


def scrub_text(text: str) -> str:
    """Return `text` with URLs, e-mails, phones, street addresses and names replaced by tags.

    The steps run in that order so that each sees the least ambiguous text: a URL's digits
    are gone before phones are looked for, and an address's street name is gone before
    names are. Words around a tag are kept ("Officer [NAME]", "I live at [ADDRESS]"), and
    ordinary numbers ("5 stars", "2024", "call 911") and capitalized words are left alone.
    """
    text = _URL_RE.sub(_replace_url, text)
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _OBF_EMAIL_RE.sub(EMAIL, text)
    text = _PHONE_RE.sub(_replace_phone, text)
    text = _LOCAL_PHONE_RE.sub(lambda m: m.group("cue") + PHONE, text)
    text = _ES_ADDRESS_RE.sub(ADDRESS, text)
    text = _EN_ADDRESS_RE.sub(ADDRESS, text)
    text = _LIVE_AT_RE.sub(lambda m: m.group("cue") + ADDRESS, text)
    return _scrub_names(text)
