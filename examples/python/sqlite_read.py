"""Read rows from a SQLite database per task: a sync-only library call.

`setup()` builds the database file once, before the ready mark (its time and memory are
reported apart); each task opens its own connection (sqlite3 connections belong to one
thread) and sums a range of rows. There is no async version of sqlite3, so asyncio is
measured the way people end up running it, through `asyncio.to_thread`, with `--adapt`:

    conlab bench --workload py-task:file=examples/python/sqlite_read.py,fn=read,setup=setup \\
                 --models py-thread,py-pool,py-process,py-asyncio --adapt --tasks 10,100,1000

Standard library only.
"""

import os
import sqlite3
import tempfile

DB = os.path.join(tempfile.gettempdir(), "conlab-example-%d.sqlite" % os.getuid())
ROWS = 100_000


def setup():
    db = sqlite3.connect(DB)
    try:
        db.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, price REAL)")
        if db.execute("SELECT count(*) FROM items").fetchone()[0] < ROWS:
            db.execute("DELETE FROM items")
            db.executemany("INSERT INTO items VALUES (?, ?)", ((k, k * 0.01) for k in range(ROWS)))
            db.commit()
    finally:
        db.close()


def read(i):
    db = sqlite3.connect(DB)
    try:
        first = (i * 1000) % ROWS
        return db.execute("SELECT sum(price) FROM items WHERE id BETWEEN ? AND ?",
                          (first, first + 999)).fetchone()[0]
    finally:
        db.close()
