"""Pieces shared by the parts of ``flask seed-scale``: row ids handed out before the rows are
written, moments of a working day, and the inserts themselves.

The generator writes each table's rows of a batch at once (``write``) and gives every row its id
itself, so a member can name its household and an event its case without reading anything back.
The sequences are moved past those ids at the end (``advance_sequences``).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time
from operator import itemgetter
from typing import Iterable

from sqlalchemy import Table, func, insert, select, text

from core.clock import WORK_TZ
from core.extensions import db


class Ids:
    """The next free id of each table, starting after whatever the table already holds."""

    def __init__(self, tables: Iterable[Table]):
        self._next = {t.name: (db.session.execute(select(func.max(t.c.id))).scalar() or 0) + 1 for t in tables}

    def take(self, table: Table) -> int:
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


def write(table: Table, rows: list[dict]) -> None:
    """Write rows that all carry the same keys, each value through its column's own type (the
    ``EncryptedText`` columns encrypt, the JSON columns serialise, the UTC columns convert).

    On PostgreSQL the rows go by COPY: a multi-row INSERT through psycopg 3 costs tens of
    microseconds per value in the driver's Python query parsing (queries that long are never
    cached), and its executemany sends one INSERT per row; COPY is many times faster than
    either. Elsewhere (SQLite) a Core INSERT with the list of rows, which sqlite3 runs in C."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    keys = list(rows[0])
    dialect = connection.dialect
    # Only some columns' types process values (none of them changes a NULL): those are looked up once.
    processors = [(i, process) for i, key in enumerate(keys)
                  if (process := table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    take = itemgetter(*keys)  # every table written has several columns: a tuple each time
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(k) for k in keys)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = list(take(row))
            for i, process in processors:
                if values[i] is not None:
                    values[i] = process(values[i])
            copy.write_row(values)


def advance_sequences(tables: Iterable[Table]) -> None:
    """On PostgreSQL, move each table's id sequence past the ids given here; SQLite needs
    nothing (its next rowid is always past the largest)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"GREATEST((SELECT max(id) FROM {table.name}), 1))"))


def moment(rng: random.Random, day: date) -> datetime:
    """A moment of the working day (08:30–17:30, Beijing time) on ``day``."""
    minutes = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=WORK_TZ)
