"""Sentiment: comments scored per second, and what scoring adds to one submission."""

from __future__ import annotations

import random
import time
from typing import Any

from bench.corpus import ENGLISH_COMMENTS, SPANISH_COMMENTS


def _best_rate(texts: list[str], repeats: int = 3) -> float:
    """Return the best of several passes, in texts scored per second."""
    from survey.sentiment.scoring import score_text

    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for text in texts:
            score_text(text)
        best = min(best, time.process_time() - started)
    return len(texts) / best


def sentiment_rates(count: int = 5_000) -> dict[str, Any]:
    """Score realistic comments; return rates and the per-submission cost in microseconds."""
    rng = random.Random(7)
    english = [rng.choice(ENGLISH_COMMENTS) for _ in range(count)]
    mixed = [
        rng.choice(SPANISH_COMMENTS if rng.random() < 0.2 else ENGLISH_COMMENTS)
        for _ in range(count)
    ]
    longest = ["Officers were great. " * 47] * 200  # ~1,000 characters, the limit
    english_rate = _best_rate(english)
    mixed_rate = _best_rate(mixed)
    long_rate = _best_rate(longest)
    mean_chars = sum(len(text) for text in english) / len(english)
    return {
        "english_per_s": round(english_rate),
        "mixed_per_s": round(mixed_rate),
        "max_length_per_s": round(long_rate),
        "mean_english_chars": round(mean_chars),
        # An "after" form has one comment box, a "before" form one concern box.
        "us_per_typical_submission": round(1e6 / mixed_rate, 1),
        "us_per_worst_submission": round(1e6 / long_rate, 1),
    }
