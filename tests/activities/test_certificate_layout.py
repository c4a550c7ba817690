"""The certificate's own line breaking and tables: the lines fpdf2's multi_cell would make,
a table's rows kept whole under their heading row on every page, and a row taller than a
page going on over the next pages, each of its lines written once and in order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fpdf import FPDF

from activities.certificate_layout import TABLE_PADDING, Table, wrap
from activities.certificate_pdf import ENCODING


def pages(size: float = 9.5) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", "", size)
    return pdf


@dataclass(frozen=True)
class Drawn:
    """A line of text as `cell` wrote it."""

    page: int
    x: float
    top: float
    bottom: float
    bold: bool
    text: str


def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Drawn]:
    """Every line `cell` writes from now on, in order."""
    drawn: list[Drawn] = []
    cell = FPDF.cell

    def recording_cell(pdf: FPDF, w: float, h: float, text: str = "", **options: Any) -> Any:
        drawn.append(Drawn(pdf.page, pdf.x, pdf.y, pdf.y + h, "B" in pdf.font_style, text))
        return cell(pdf, w, h, text, **options)

    monkeypatch.setattr(FPDF, "cell", recording_cell)
    return drawn


def lowest_border(pdf: FPDF, page: int) -> float:
    """How far above the page's bottom edge, in mm, the lowest cell border of `page` is."""
    contents = pdf.pages[page].contents.decode("latin-1")
    cells = re.findall(r"[\d.]+ ([\d.]+) [\d.]+ (-[\d.]+) re", contents)
    return min(float(top) + float(height) for top, height in cells) * 25.4 / 72


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
        assert lowest_border(pdf, number) >= 16 - 0.01  # no row crosses the bottom margin
    shown = "".join(page.contents.decode("latin-1") for page in pdf.pages.values())
    for n, _ in rows:
        assert f"(row {n}" in shown


def test_a_row_that_fits_on_a_page_moves_whole_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pdf = pages(8.5)
    drawn = recorded(monkeypatch)
    tall = "\n".join(f"line {n}" for n in range(50))  # most of a page

    Table(pdf, [1, 3]).write(["Number", "Text"], [["1", "x\n" * 30], ["2", tall]])

    assert pdf.page == 2
    assert {line.page for line in drawn if line.text.startswith("line ")} == {2}


@pytest.mark.parametrize("start", [10.0, 200.0, 270.0])
def test_a_row_taller_than_a_page_goes_on_over_the_next_pages_under_the_heading_row(
    monkeypatch: pytest.MonkeyPatch, start: float
) -> None:
    pdf = pages(8.5)
    pdf.set_y(start)
    tall = "\n".join(
        "" if n % 17 == 0 else f"line {n:03d} " + "wrapping words " * (n % 13) + "x" * (n % 5 * 30)
        for n in range(1, 300)
    )
    expected = wrap(pdf, tall, pdf.epw * 3 / 4 - 2 * TABLE_PADDING)
    drawn = recorded(monkeypatch)

    Table(pdf, [1, 3]).write(["Number", "Text"], [["1", "before"], ["2", tall], ["3", "after"]])

    assert pdf.page > 3
    body = [line for line in drawn if not line.bold]
    text_column = pdf.l_margin + pdf.epw / 4
    in_text_column = [line.text for line in body if line.x == pytest.approx(text_column)]
    assert in_text_column == ["before", *expected, "after"]  # each line once, in order
    assert [line.text for line in body if line.x == pdf.l_margin] == ["1", "2", "3"]
    first = 1 if start < 270 else 2  # at 270 mm the heading row and a line no longer fit
    assert drawn[0].page == first
    assert next(line for line in drawn if line.text.startswith("line 001")).page == first
    for page in range(first, pdf.page + 1):  # the row goes on from where it starts...
        on_page = [line for line in drawn if line.page == page]
        assert [line.text for line in on_page[:2]] == ["Number", "Text"]  # ...under the heading
        assert not any(line.bold for line in on_page[2:])
        assert len(on_page) > 2  # never the heading alone
        assert all(line.bottom <= pdf.page_break_trigger + 1e-9 for line in on_page)
        assert lowest_border(pdf, page) >= 16 - 0.01
