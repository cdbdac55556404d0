"""Sentiment of residents' free-text answers, and the language check that guards it."""
