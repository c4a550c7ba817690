"""Wrapped text and tables on fpdf2 pages in a core font, each word measured once.

fpdf2's `multi_cell` (and its tables, which use it for every cell) measures the whole line
again for every character it adds, which made line breaking most of a certificate's CPU.
Here a word's width is the sum of its characters' widths in the font's metrics, and each
line is written with a plain `cell`. The breaks are fpdf2's: at spaces, inside a word only
where the word alone is wider than the line, and at every "\\n"; the look is that of
`multi_cell(..., align="L")` and of `FPDF.table` with the options the certificate used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import CoreFont

TABLE_LINE = 4.2
"""The height of a line of text in a table cell."""
TABLE_PADDING = 1.0
"""Between a table cell's borders and its text, on all four sides."""
HEADING_FILL = (235, 235, 235)


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` as lines no wider than `width` in the current core font, at least one line.

    As in fpdf2, a space where a line breaks is dropped and other spaces are kept."""
    font = pdf.current_font
    assert isinstance(font, CoreFont), "wrapping measures with a core font's metrics"
    widths = font.cw
    limit = width * pdf.k * 1000 / pdf.font_size_pt  # in the font's 1/1000 of its size
    space = widths[" "]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0
        for word in paragraph.split(" "):
            # A core font's widths are keyed by the text's bytes in its encoding as Latin-1.
            sizes = [widths[char] for char in pdf.normalize_text(word)]
            size = sum(sizes)
            if line and used + space + size <= limit:
                line.append(word)
                used += space + size
                continue
            if line:
                lines.append(" ".join(line))
            if size > limit:
                full, word, size = _cut(word, sizes, limit)
                lines.extend(full)
            line, used = [word], size
        lines.append(" ".join(line))
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # no line starts after the text's last "\n", or a space a line broke at
    return lines


def _cut(word: str, sizes: list[int], limit: float) -> tuple[list[str], str, int]:
    """`word` (its characters `sizes` wide) cut into lines no wider than `limit`, each as long
    as fits (at least a character): the full lines, and the rest with its width."""
    pieces: list[str] = []
    start = used = 0
    for index, size in enumerate(sizes):
        if used + size > limit and index > start:
            pieces.append(word[start:index])
            start, used = index, 0
        used += size
    return pieces, word[start:], used


def write_wrapped(pdf: FPDF, text: str, line_height: float) -> None:
    """`text` from the current position to the right margin, wrapped and aligned left, as
    `multi_cell(0, line_height, text, align="L")` writes it; each line breaks the page if it
    must (fpdf2's auto page break, keeping x), and the next thing starts at the left margin."""
    lines = wrap(pdf, text, pdf.w - pdf.r_margin - pdf.x - 2 * pdf.c_margin)
    for line in lines[:-1]:
        pdf.cell(0, line_height, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.cell(0, line_height, lines[-1], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if text.endswith("\n"):
        pdf.ln(line_height)  # space below, as multi_cell leaves it: never a page break


@dataclass(frozen=True)
class _Row:
    cells: list[list[str]]
    """Each cell's lines."""

    @property
    def lines(self) -> int:
        """The most lines a cell has: the row's height in lines."""
        return max(len(cell) for cell in self.cells)

    @property
    def height(self) -> float:
        return _height(self.lines)

    def part(self, start: int, stop: int) -> _Row:
        """Lines `start` to `stop` of every cell, as a row of their own."""
        return _Row([cell[start:stop] for cell in self.cells])


def _height(lines: int) -> float:
    """The height of a row `lines` lines tall, padding included."""
    return lines * TABLE_LINE + 2 * TABLE_PADDING


class Table:
    """A table across the page's text width in the current font, as `FPDF.table` drew the
    certificate's: a bold heading row on light grey, thin borders in the draw colour, each
    cell's text wrapped within it and centred vertically, each row as tall as its tallest
    cell. A row that would cross the page's bottom starts the next page, under the heading
    row again. A row too tall for any page (a plan's text may be thousands of characters or
    hundreds of lines) goes on from where it starts over as many pages as it needs, each cell's
    text at the top so that no line is left out or written twice."""

    def __init__(self, pdf: FPDF, widths: Sequence[float]) -> None:
        """`widths` are the columns' shares of the page's text width."""
        self._pdf = pdf
        self._widths = [pdf.epw * width / sum(widths) for width in widths]

    def write(self, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        pdf = self._pdf
        with _cell_margin(pdf, TABLE_PADDING):
            with self._heading_style():
                heading = self._row(headings)
            body = [self._row(cells) for cells in rows]
            # The room for rows on a fresh page: the pages have no header.
            room = pdf.page_break_trigger - pdf.t_margin - heading.height
            if body and pdf.will_page_break(heading.height + _least(body[0], room)):
                pdf.add_page()  # not the heading row alone at the bottom of a page
            self._write_heading(heading)
            for row in body:
                if pdf.will_page_break(_least(row, room)):
                    self._next_page(heading)
                if row.height <= room:
                    self._write_row(row, fill=False)
                else:
                    self._write_split(row, heading)

    @contextmanager
    def _heading_style(self) -> Iterator[None]:
        with self._pdf.local_context(font_style="B", fill_color=HEADING_FILL):
            yield

    def _row(self, cells: Sequence[str]) -> _Row:
        return _Row(
            [
                wrap(self._pdf, text, width - 2 * TABLE_PADDING)
                for text, width in zip(cells, self._widths, strict=True)
            ]
        )

    def _next_page(self, heading: _Row) -> None:
        self._pdf.add_page()
        self._write_heading(heading)

    def _write_heading(self, heading: _Row) -> None:
        with self._heading_style():
            self._write_row(heading, fill=True)

    def _write_split(self, row: _Row, heading: _Row) -> None:
        """`row` in parts, each as many lines as the page has room for, with its own borders.
        Each cell's text starts at the top of the first part, so a line follows the one before
        it at the top of the next part, whichever cell is the tallest."""
        pdf = self._pdf
        start = 0
        while start < row.lines:
            if start:
                self._next_page(heading)
            room = pdf.page_break_trigger - pdf.y - 2 * TABLE_PADDING
            stop = start + max(1, int(room / TABLE_LINE))
            self._write_row(row.part(start, stop), fill=False, centred=False)
            start = stop

    def _write_row(self, row: _Row, fill: bool, centred: bool = True) -> None:
        """`row` from the current position, its cells' text centred vertically or at the top,
        and the position at the start of the next row."""
        pdf = self._pdf
        top = pdf.y
        x = pdf.l_margin
        for lines, width in zip(row.cells, self._widths, strict=True):
            pdf.rect(x, top, width, row.height, style="DF" if fill else "D")
            above = (row.height - len(lines) * TABLE_LINE) / 2 if centred else TABLE_PADDING
            y = top + above
            for line in lines:
                pdf.set_xy(x, y)
                pdf.cell(width, TABLE_LINE, line)
                y += TABLE_LINE
            x += width
        pdf.set_xy(pdf.l_margin, top + row.height)


def _least(row: _Row, room: float) -> float:
    """How much of the page `row` needs to start on it: all of it if it fits in `room` (a
    fresh page's), else its first line, the rest going on over the next pages."""
    return row.height if row.height <= room else _height(1)


@contextmanager
def _cell_margin(pdf: FPDF, margin: float) -> Iterator[None]:
    """`cell` writes text `margin` inside its left edge while this lasts."""
    saved = pdf.c_margin
    pdf.c_margin = margin
    try:
        yield
    finally:
        pdf.c_margin = saved
