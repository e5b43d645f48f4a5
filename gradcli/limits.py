"""Every input budget in one place: past one, a command says so (exit 2) rather than run on.

Each limit is checked where the input arrives (while reading, before parsing, before
a sweep), so an oversized input costs no more than the limit itself.  The README's
"Budgets" table lists them; tests/test_contract.py holds each one to its message.
"""

from __future__ import annotations

MAX_TEXT = 50_000_000  # characters of an expression or program (about 8 million nodes)
MAX_INPUT_BYTES = MAX_TEXT  # bytes read from a file or stdin for EXPR, checked while reading
READ_CHUNK = 1 << 20  # bytes per read, so an endless stream stops at the limit
MAX_LINE = 1 << 20  # characters in one line of a batch (a CSV/TSV row)
MAX_VALUE = 10_000  # characters in one value or batch cell (a number or pi/4)
