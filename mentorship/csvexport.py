"""CSV files: one writer, so every export quotes and defuses cells the same way.

RFC 4180 records end in CRLF, and a cell that holds a CR or LF is quoted. Python's csv
module quotes a cell only for the characters of the writer's own line terminator, so a
writer ending lines in "\\n" leaves a bare CR unquoted and a name with a carriage return
splits the record in two: every CSV of the app goes through ``writer`` (CRLF, so both are
quoted). Cells are also made safe to open in a spreadsheet (``safe_cell``).
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters other than tab, CR and LF carry nothing a reader wants, and some
# programs stop reading a file at a NUL: they are dropped from cells.
_DROPPED = dict.fromkeys(c for c in [*range(0x00, 0x20), 0x7F] if chr(c) not in "\t\r\n")


class Dialect(csv.excel):
    """Excel's dialect as RFC 4180 has it: comma, double quotes, CRLF after each record;
    every cell containing the delimiter, a quote, CR or LF is quoted."""

    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    text = str(value).translate(_DROPPED)
    return "'" + text if text.startswith(_FORMULA_START) else text


def writer(out):
    """A csv writer in ``Dialect`` whose ``writerow`` makes every cell safe."""
    return _SafeWriter(csv.writer(out, dialect=Dialect))


class _SafeWriter:
    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row: Iterable):
        return self._inner.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True) -> HttpResponse:
    """A CSV download. ``bom``: start with a byte-order mark, so spreadsheet programs read
    UTF-8 names correctly (REDCap wants none)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if bom:
        response.write("\ufeff")
    out = writer(response)
    out.writerow(header)
    out.writerows(rows)
    return response


class _Echo:
    """A file that hands back what is written: the csv writer returns each line."""

    def write(self, value: str) -> str:
        return value


STREAM_ROWS_PER_CHUNK = 500


def csv_stream_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True
) -> StreamingHttpResponse:
    """A CSV download written while ``rows`` is read (a generator over a database cursor):
    a few hundred rows in memory at a time, however long the file. ``rows`` is iterated
    after the view returns, so it must carry its own context (tenancy scope, time zone)."""

    def lines():
        out = writer(_Echo())
        chunk = ["\ufeff"] if bom else []
        chunk.append(out.writerow(header))
        for row in rows:
            chunk.append(out.writerow(row))
            if len(chunk) >= STREAM_ROWS_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
