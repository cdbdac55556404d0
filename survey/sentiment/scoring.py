"""Sentiment of residents' comments, scored only when the comment is English.

TextBlob's pattern analyzer knows English only: it gives Spanish or any other text a polarity
of 0, which would count as "neutral" and drag every average towards zero. So a comment is
scored only when a cheap offline check says it is English; anything else is "unscored".
Nothing here touches the network or NLTK's downloadable corpora.

TextBlob is imported on first use, not with this module: importing it pulls in NLTK and
SciPy (1.5–5 s), and most processes that import this module never score anything (the
dashboards only need the thresholds and labels, `flask` commands, gunicorn workers until
their first comment). A worker pays that once, at its first scored comment; `load_lexicon`
lets a server pay it at start instead.
"""

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Label = Literal["positive", "negative", "neutral", "unscored"]
Language = Literal["en", "es"]

POSITIVE_THRESHOLD = 0.1
NEGATIVE_THRESHOLD = -0.1


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A comment's polarity in [-1, 1], rounded to 4 places, and the label derived from it.

    ``polarity`` is None exactly when the label is "unscored".
    """

    polarity: float | None
    label: Label


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """TextBlob's English analyzer and the set of words it knows."""

    analyze: Callable[[str], Any]
    words: frozenset[str]


_lexicon: _Lexicon | None = None
_lexicon_lock = threading.Lock()


def load_lexicon() -> _Lexicon:
    """Return TextBlob's English analyzer, importing it once per process; later calls are free.

    The analyzer is the object TextBlob's default PatternAnalyzer delegates to: calling it
    directly skips the namedtuple class PatternAnalyzer.analyze builds on every call (half
    the cost). Reading it into a set loads TextBlob's lazily read lexicon here, under a lock,
    so two threads never race to load it.
    """
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                from textblob.en import sentiment

                _lexicon = _Lexicon(sentiment, frozenset(sentiment))
    return _lexicon


# Function words (and a few words residents use in short comments) that are common in one
# language and absent from the other. Words spelled the same in both ("a", "no", "me", "he",
# "has", "con", "sin", "son") would only blur the decision, so they are in neither list.
_ENGLISH_WORDS = frozenset(
    """
    the and to of in is it you that was for on are with as i be at have this not but they
    we my our your their very so there were what when would should could will can do does
    did don't didn't isn't wasn't it's i'm i've we're they're that's just from about all
    an or if by out up more some than them these those been had she his her him us
    also how who which because really thank thanks please police officer officers event
    neighborhood neighbourhood community people here great good nice
    """.split()  # noqa: SIM905 - a word list reads better as prose than as 100 quoted strings
)
_SPANISH_WORDS = frozenset(
    """
    de la que el en y los se del las un por una su para es al lo como más mas pero sus le
    ya este esta está estos estas porque muy sobre también tambien hay donde nos todo
    todos todas fue ser están estan estoy tengo tiene tienen hacer hace mucho
    muchos mucha muchas gracias bien bueno buena buen malo mala mal nada excelente evento
    policía policia vecindario vecinos seguridad trabajo ayuda comunidad cuando mi tu yo
    usted ustedes ellos nosotros otra otro sí si o ni cada
    """.split()  # noqa: SIM905 - a word list reads better as prose than as 100 quoted strings
)
_SPANISH_LETTERS = frozenset("ñáéíóúü")
_SPANISH_PUNCTUATION = frozenset("¿¡")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def detect_language(text: str) -> Language | None:
    """Return "en", "es" or None when the text gives too little evidence either way.

    Counts English function words against Spanish ones, with ñ, accented vowels, ¿ and ¡ as
    Spanish evidence; the larger count wins and a tie is undetermined. Text with no such
    words at all counts as English only when TextBlob's lexicon knows every one of its words
    ("Great!", "Super cool"), since that is exactly the text the scorer can read. Offline
    and linear in the length of the text.
    """
    normalized = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    words = _WORD.findall(normalized)
    english = 0
    spanish = sum(1 for character in normalized if character in _SPANISH_PUNCTUATION)
    for word in words:
        if word in _ENGLISH_WORDS:
            english += 1
        elif word in _SPANISH_WORDS or not _SPANISH_LETTERS.isdisjoint(word):
            spanish += 1
    if english > spanish:
        return "en"
    if spanish > english:
        return "es"
    if english == 0 and words and all(word in load_lexicon().words for word in words):
        return "en"
    return None


def label_for(polarity: float | None) -> Label:
    """Return the label a chart groups a comment under.

    Positive strictly above 0.1, negative strictly below -0.1, neutral in between
    (inclusive); no polarity means the comment could not be scored.
    """
    if polarity is None:
        return "unscored"
    if polarity > POSITIVE_THRESHOLD:
        return "positive"
    if polarity < NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def score_text(text: str | None) -> Sentiment | None:
    """Return the sentiment of a comment, or None when there is no comment to score.

    English text gets TextBlob's polarity rounded to 4 places, and its label is taken from
    that rounded value so that a stored 0.1 is always shown as neutral. Spanish text and
    text whose language cannot be told get ``Sentiment(None, "unscored")``, never a 0.
    """
    if text is None or not text.strip():
        return None
    if detect_language(text) != "en":
        return Sentiment(None, "unscored")
    polarity, _subjectivity = load_lexicon().analyze(text)
    # Adding 0.0 turns a rounded -0.0 into 0.0, which would otherwise print as "-0.0".
    rounded = round(float(polarity), 4) + 0.0
    return Sentiment(rounded, label_for(rounded))
