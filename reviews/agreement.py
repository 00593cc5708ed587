"""Agreement between two raters: pure statistics, no queries (the counts come from the selectors)."""


def cohen_kappa(table: dict[str, dict[str, int]]) -> tuple[int, int, float | None, float | None]:
    """Records, agreements, percent agreement and Cohen's kappa of a two-rater table.

    ``table[a][b]`` counts the items rater 1 put in category a and rater 2 in b. Percent agreement
    and kappa are None when undefined: no items, or chance agreement of 1 (one category only).
    """
    categories = sorted(set(table) | {b for row in table.values() for b in row})
    n = sum(table.get(a, {}).get(b, 0) for a in categories for b in categories)
    if n == 0:
        return 0, 0, None, None
    agreed = sum(table.get(c, {}).get(c, 0) for c in categories)
    observed = agreed / n
    row = {c: sum(table.get(c, {}).values()) for c in categories}
    column = {c: sum(table.get(a, {}).get(c, 0) for a in categories) for c in categories}
    expected = sum(row[c] * column[c] for c in categories) / (n * n)
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return n, agreed, 100 * observed, kappa
