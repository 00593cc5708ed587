"""The one table every benchmark prints: figure, target, measured, peer."""

COLUMNS = ("figure", "target", "measured", "peer")


def print_table(rows: list[dict]) -> None:
    """Print rows as a Markdown table, ready to paste into the README."""
    table = [COLUMNS] + [tuple(str(row.get(key, "")) for key in COLUMNS) for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(COLUMNS, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
