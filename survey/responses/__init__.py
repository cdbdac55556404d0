"""The resident survey: forms, pairing and storing responses."""
