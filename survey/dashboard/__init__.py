"""Staff pages with charts: the event report, trends across events, and their CSVs."""
