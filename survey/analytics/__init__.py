"""Pure statistics for the reports: means, confidence intervals, effect sizes, suppression."""
