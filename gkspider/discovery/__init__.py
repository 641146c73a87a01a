"""Discovery: from portal pages to annual-report candidates (links, classification, pagination).

Pure functions over markup and text; the spider (gkspider/spiders) does the fetching. Term lists are data:
gkspider/data/discovery_terms.json. The families handled are specified in docs/FAMILIES.md.
"""

from .classify import is_attachment, is_report_title, is_truncated, nav_score, needs_browser, title_year
from .links import Link, canonical_url, extract_links, parse_html, same_site
from .pagination import PageRequest, embedded_records, find_pages, parse_jpage_xml, parse_json_list

__all__ = [
    "Link",
    "PageRequest",
    "canonical_url",
    "embedded_records",
    "extract_links",
    "find_pages",
    "is_attachment",
    "is_report_title",
    "is_truncated",
    "nav_score",
    "needs_browser",
    "parse_html",
    "parse_jpage_xml",
    "parse_json_list",
    "same_site",
    "title_year",
]
