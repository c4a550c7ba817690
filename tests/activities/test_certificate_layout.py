"""The certificate's own line breaking and tables: the lines fpdf2's multi_cell would make,
and a table's rows kept whole, under their heading row on every page."""

from __future__ import annotations

import re

import pytest
from fpdf import FPDF

from activities.certificate_layout import Table, wrap
from activities.certificate_pdf import ENCODING


def pages(size: float = 9.5) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", "", size)
    return pdf


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one line",
        "Écrire «résumé» – “quoted” €5 … then review together with Mia " * 6,
        "a  double space, a trailing one and a break \nafter it " * 5,
        "stakeholder " * 40,
        "\nfirst, empty\n\nand last\n",
        "before " + "x" * 3000 + " after",
        "W" * 70 + "  " + "i" * 200,
    ],
)
@pytest.mark.parametrize("width", [20.0, 55.0, 170.0])
def test_lines_break_where_fpdf2s_multi_cell_breaks_them(text: str, width: float) -> None:
    pdf = pages()
    expected = pdf.multi_cell(width, 5, text, align="L", dry_run=True, output="LINES")
    lines = wrap(pdf, text, width - 2 * pdf.c_margin)
    assert [line.encode(ENCODING).decode("latin-1") for line in lines] == expected


def test_a_row_that_would_cross_the_page_starts_the_next_under_the_heading_row() -> None:
    pdf = pages(8.5)
    rows = [[str(n), f"row {n} " + "wrapping words " * (n % 9)] for n in range(80)]

    Table(pdf, [1, 3]).write(["Number", "Text"], rows)

    assert pdf.page > 2
    for number in range(1, pdf.page + 1):
        contents = pdf.pages[number].contents.decode("latin-1")
        assert contents.count("(Number) Tj") == 1
        cells = re.findall(r"[\d.]+ ([\d.]+) [\d.]+ (-[\d.]+) re", contents)
        lowest = min(float(top) + float(height) for top, height in cells)  # points from below
        assert lowest * 25.4 / 72 >= 16 - 0.01  # no row crosses the bottom margin
    shown = "".join(page.contents.decode("latin-1") for page in pdf.pages.values())
    for n, _ in rows:
        assert f"(row {n}" in shown
