"""Validation of report lines (rules.py) and the end-of-crawl summary (summary.py)."""

from gkspider.validation.rules import (
    EXTRACTION_RULES,
    RULES,
    cross_year_flags,
    status_of,
    validate_report,
)

__all__ = ["EXTRACTION_RULES", "RULES", "cross_year_flags", "status_of", "validate_report"]
