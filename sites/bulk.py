"""Writing many rows fast, for the import and the snapshot builder: COPY and multi-row
INSERTs on PostgreSQL, skipping the ORM's per-value work (most of the time of a
100,000-row import); ``bulk_create`` elsewhere."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models

# Above this many rows PostgreSQL's COPY is the quicker way in.
COPY_FROM = 1_000


def quoted_table(model: type[models.Model]) -> str:
    """The model's table, quoted for the database: hand-written SQL names no table or
    column itself, so renaming a model or a field cannot leave it behind."""
    return connection.ops.quote_name(model._meta.db_table)


def quoted_column(model: type[models.Model], name: str) -> str:
    """The column of a field of ``model`` (by name or attname, "committee_id"), quoted."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:  # a reverse relation
        raise FieldDoesNotExist(f"{model.__name__}.{name} has no column")
    return connection.ops.quote_name(field.column)


def copy_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """COPY rows in as CSV, written by the csv module (1.1 s for 100,000 history rows
    here, against 1.6 s formatting each value in Python). Every text is quoted, so an empty
    text stays empty; a NULL is written as an empty quoted field too, and ``FORCE_NULL``
    reads it back as NULL in the nullable columns that hold no text (a NULL in a text
    column arrives as an empty text: no caller writes one)."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    quote = connection.ops.quote_name
    by_column = {field.column: field for field in model._meta.concrete_fields}
    nullable = [
        quote(column)
        for column in columns
        if by_column[column].null
        and not isinstance(by_column[column], (models.CharField, models.TextField))
    ]
    options = f"FORMAT csv, FORCE_NULL ({', '.join(nullable)})" if nullable else "FORMAT csv"
    sql = (
        f"COPY {quoted_table(model)} ({', '.join(quote(c) for c in columns)}) "
        f"FROM STDIN WITH ({options})"
    )
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, buffer)


def add_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Many rows in by the quickest way: COPY on PostgreSQL above ``COPY_FROM`` rows,
    multi-row INSERTs otherwise."""
    if connection.vendor == "postgresql" and len(rows) > COPY_FROM:
        copy_rows(model, columns, rows)
    else:
        insert_rows(model, columns, rows)


def insert_rows(model, columns: list[str], rows: list[tuple], returning: str | None = None):
    """Many rows in a few statements. On PostgreSQL they go through psycopg2's
    ``execute_values``, skipping the ORM's per-value work, which is most of the time of a
    100,000-row import; elsewhere through ``bulk_create``."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(_attnames(model, columns), row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=2000)
        return [obj.pk for obj in objects]
    from psycopg2.extras import execute_values

    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quoted_table(model)} "  # noqa: S608 - names from the model
        f"({', '.join(quote(column) for column in columns)}) VALUES %s"
        + (f" RETURNING {quote(returning)}" if returning else "")
    )
    with connection.cursor() as cursor, connection.wrap_database_errors:
        result = execute_values(cursor.cursor, sql, rows, page_size=5000, fetch=bool(returning))
    return [row[0] for row in result] if returning else []


def _attnames(model, columns: list[str]) -> list[str]:
    by_column = {field.column: field.attname for field in model._meta.concrete_fields}
    return [by_column[column] for column in columns]
