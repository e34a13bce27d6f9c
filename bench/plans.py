"""The database's own work on a path: the statements it sends, and each one's plan.

``Recorder`` counts (and, when asked, keeps) the statements an engine sends, through
SQLAlchemy's ``before_cursor_execute`` event. ``scans`` asks the database how it would run
each kept statement, with its parameters: ``EXPLAIN (FORMAT JSON)`` on PostgreSQL,
``EXPLAIN QUERY PLAN`` on SQLite (neither runs the statement; the transaction is rolled
back anyway), and returns every step that reads a whole table or index instead of
seeking in one: a statement that scans grows with the data, one that seeks does not.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

DML = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class Recorder:
    """Counts the statements an engine sends; keeps them (SQL and parameters) while on."""

    def __init__(self, engine: sa.Engine):
        self.count, self.keeping, self.kept = 0, False, []
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, executemany):
        self.count += 1
        if self.keeping and statement.lstrip().upper().startswith(DML):
            self.kept.append((statement, parameters, executemany))

    def keep(self, call) -> list:
        """Run ``call`` and return the statements it sent."""
        self.kept, self.keeping = [], True
        try:
            call()
        finally:
            self.keeping = False
        return self.kept


def scans(engine: sa.Engine, statements: list) -> list[dict]:
    """Each step of these statements' plans that reads a whole table or index."""
    found = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters, executemany in statements:
            if executemany and isinstance(parameters, list | tuple) and parameters and (
                isinstance(parameters[0], list | tuple | dict)
            ):
                parameters = parameters[0]  # the same statement for many rows: the first's plan
            for step in _plan(engine.dialect.name, cursor, statement, parameters):
                table = step["scan"].split()[-1]  # "Seq Scan panelist", "SCAN panelist"
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # how big it is now
                found.append({"statement": " ".join(statement.split())[:160], **step,
                              "table_rows": cursor.fetchone()[0]})  # fmt: skip
        raw.rollback()
    finally:
        raw.close()
    return found


def _plan(dialect: str, cursor, statement: str, parameters) -> list[dict]:
    if dialect == "postgresql":
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        (plan,) = cursor.fetchone()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return [step for step in _nodes(plan[0]["Plan"]) if step["scan"].startswith("Seq Scan")]
    cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters or ())
    return [
        {"scan": " ".join(detail.split()[:2]), "rows": None}
        for *_ids, detail in cursor.fetchall()
        if detail.startswith("SCAN ")
        and " USING INTEGER PRIMARY KEY" not in detail
        and "CONSTANT ROW" not in detail  # a multi-row VALUES list: literals, not a table
    ]


def _nodes(node: dict):
    yield {"scan": f"{node['Node Type']} {node.get('Relation Name', '')}".strip(),
           "rows": node.get("Plan Rows")}  # fmt: skip
    for child in node.get("Plans", ()):
        yield from _nodes(child)
