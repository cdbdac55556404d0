"""Researcher exports: anonymization (k-anonymity, text scrubbing) and safe CSV cells."""
