import ast
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textblob import TextBlob

from survey.sentiment import scoring
from survey.sentiment.scoring import (
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    Sentiment,
    detect_language,
    label_for,
    score_text,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
UNSCORED = Sentiment(None, "unscored")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The officers were friendly and helpful.", Sentiment(0.375, "positive")),
        (
            "Thank you for coming out, it was a great night for the kids!",
            Sentiment(1.0, "positive"),
        ),
        ("Great!", Sentiment(1.0, "positive")),
        ("The police were rude and the event was a waste of time.", Sentiment(-0.25, "negative")),
        ("I feel unsafe walking at night, the lighting is terrible.", Sentiment(-1.0, "negative")),
        ("The event was on Tuesday.", Sentiment(0.0, "neutral")),
        ("Officer José was very kind to my kids", Sentiment(0.78, "positive")),
    ],
)
def test_english_comments_get_polarity_and_label(text, expected):
    assert score_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The officers were friendly and helpful.",
        "The police were rude and the event was a waste of time.",
        "Not bad at all, but parking was a nightmare.",
        "Super cool",
    ],
)
def test_polarity_is_textblobs_default_analyzer_rounded_to_4_places(text):
    assert score_text(text).polarity == round(TextBlob(text).sentiment.polarity, 4)


def test_polarity_is_rounded_and_the_label_follows_the_rounded_value():
    assert TextBlob("Super cool").sentiment.polarity == pytest.approx(0.341666666)
    assert score_text("Super cool") == Sentiment(0.3417, "positive")


@pytest.mark.parametrize(
    "text",
    [
        "¡Excelente evento, muchas gracias!",
        "Gracias",
        "Me siento más seguro en mi vecindario.",
        "La policía no escucha a los vecinos",
        "Necesitamos mas patrullas en la noche",
        "¿Cuándo es el próximo evento?",
        "Muy bien organizado, los agentes fueron amables",
    ],
)
def test_spanish_comments_are_unscored_never_zero(text):
    assert detect_language(text) == "es"
    assert score_text(text) == UNSCORED


@pytest.mark.parametrize(
    "text",
    [
        "Great event, muchas gracias!",  # as much Spanish as English
        "Bonjour, c'est super",  # French: "super" alone does not make it English
        "Das war gut",
        "Parking",  # an English word the scorer has no opinion on: too short to tell
        "No",  # the same word in both languages
        "12345",
    ],
)
def test_mixed_or_unknown_language_is_unscored(text):
    assert detect_language(text) is None
    assert score_text(text) == UNSCORED


@pytest.mark.parametrize("text", ["👍", "😀😀😀", "🙏 ❤️", ":)", "!!!"])
def test_emoji_or_punctuation_only_is_unscored(text):
    assert score_text(text) == UNSCORED


@pytest.mark.parametrize("text", [None, "", " ", "\n\t  \r\n"])
def test_no_comment_means_nothing_to_score(text):
    assert score_text(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("great", "en"),  # a single word TextBlob's lexicon knows
        ("Amazing!", "en"),
        ("I'm glad they came", "en"),
        ("I\u2019m glad they came", "en"),  # typographic apostrophe from phone keyboards
        ("Thanks to Officer Peña and Officer García", "en"),  # Spanish names, English text
        ("Gracias", "es"),
        ("Excelente", "es"),
        ("Me sentí segura", "es"),
        ("Me sentí segura".replace("í", "i\u0301"), "es"),  # decomposed accent
        ("", None),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_the_two_word_lists_never_claim_the_same_word():
    assert scoring._ENGLISH_WORDS.isdisjoint(scoring._SPANISH_WORDS)


def test_thresholds_are_the_documented_values():
    assert POSITIVE_THRESHOLD == 0.1
    assert NEGATIVE_THRESHOLD == -0.1


@pytest.mark.parametrize(
    ("polarity", "label"),
    [
        (1.0, "positive"),
        (0.1001, "positive"),
        (0.1, "neutral"),
        (0.0, "neutral"),
        (-0.1, "neutral"),
        (-0.1001, "negative"),
        (-1.0, "negative"),
        (None, "unscored"),
    ],
)
def test_label_for_thresholds(polarity, label):
    assert label_for(polarity) == label


def test_comments_scoring_exactly_at_the_thresholds_are_neutral():
    assert score_text("Wow") == Sentiment(0.1, "neutral")
    assert score_text("Wow!") == Sentiment(0.125, "positive")
    assert score_text("Alarming.") == Sentiment(-0.1, "neutral")


def test_a_full_1000_character_comment_is_scored_quickly():
    sentence = "The officers were friendly and took the time to listen to our concerns. "
    text = (sentence * 20)[:1000]
    assert len(text) == 1000
    started = time.perf_counter()
    result = score_text(text)
    elapsed = time.perf_counter() - started
    assert result == Sentiment(0.375, "positive")
    # A few milliseconds in practice; the bound only catches an accidental slow path.
    assert elapsed < 0.5
    spanish = ("Los agentes fueron muy amables y escucharon a los vecinos. " * 20)[:1000]
    assert score_text(spanish) == UNSCORED


def test_sentiment_is_immutable():
    result = score_text("Great!")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.polarity = 0.0  # type: ignore[misc]


def test_scoring_works_offline_without_nltk_data(tmp_path):
    # A fresh interpreter with no network, no NLTK data directory and nltk.download broken:
    # importing and scoring must not need any of them.
    script = """
import socket
import nltk

def refuse(*args, **kwargs):
    raise RuntimeError("network or download attempted")

socket.socket.connect = refuse
socket.create_connection = refuse
nltk.download = refuse
from survey.sentiment.scoring import score_text
print(score_text("The officers were friendly and helpful."))
print(score_text("Gracias por todo"))
"""
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    completed = subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-W", "error", "-c", script],
        cwd=REPO_ROOT,
        env={"HOME": str(tmp_path), "NLTK_DATA": str(empty), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "Sentiment(polarity=0.375, label='positive')",
        "Sentiment(polarity=None, label='unscored')",
    ]


PURE_MODULES = [
    "survey/sentiment/scoring.py",
    "survey/analytics/stats.py",
    "survey/analytics/tdist.py",
    "survey/analytics/groups.py",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_import_neither_flask_nor_the_database(module):
    """The statistics and scoring must stay testable without an app, a request or a database.

    They may lean on each other (stats uses the t quantiles), but on nothing else of the package.
    """
    tree = ast.parse((REPO_ROOT / module).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    pure = {path.removesuffix(".py").replace("/", ".") for path in PURE_MODULES}
    outside = {name for name in imported if name.startswith("survey") and name not in pure}
    assert outside == set()
    assert {name.split(".")[0] for name in imported}.isdisjoint(
        {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_babel", "flask_login"}
    )
