"""A record's URL becomes a link only when it is an http(s) or DOI link (issue 12, finding 9)."""

import pytest

from reviews.importing.records import link_href


@pytest.mark.parametrize(
    "value,href",
    [
        ("https://example.org/paper.pdf", "https://example.org/paper.pdf"),
        ("http://example.org/a?b=1&c=2", "http://example.org/a?b=1&c=2"),
        ("  https://example.org/x  ", "https://example.org/x"),
        ("HTTPS://EXAMPLE.ORG/X", "HTTPS://EXAMPLE.ORG/X"),
        ("10.1000/xyz123", "https://doi.org/10.1000/xyz123"),
        ("doi:10.1000/XYZ", "https://doi.org/10.1000/xyz"),
        ("https://doi.org/10.1000/abc", "https://doi.org/10.1000/abc"),
        ("javascript:alert(document.cookie)", ""),
        ("JavaScript:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("\njavascript:alert(1)", ""),
        ("data:text/html;base64,PHNjcmlwdD4=", ""),
        ("vbscript:msgbox(1)", ""),
        ("file:///etc/passwd", ""),
        ("//evil.example/x", ""),
        ("http:/no-host", ""),
        ("https://exa mple.org", ""),
        ("www.example.org", ""),
        ("", ""),
    ],
)
def test_only_http_https_and_doi_become_links(value, href):
    assert link_href(value) == href
