"""`Database.read_session` from many threads at once (the replay check reads on every request
thread). Found under bench/ack_tails.py: on SQLite the read engine used SQLAlchemy's in-memory
default pool, which closes connections other threads are still using once more than five
threads read, and the process died with SIGSEGV."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from bot.db import Database


def test_reads_from_many_threads_at_once(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'reads.db'}")
    db.upgrade()
    start = threading.Barrier(16)
    answers: list[int] = []
    failures: list[BaseException] = []

    def read() -> None:
        start.wait()
        try:
            for _ in range(20):
                with db.read_session() as session:
                    answers.append(session.execute(text("SELECT 1")).scalar_one())
        except BaseException as problem:
            failures.append(problem)

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.dispose()
    assert failures == [] and answers == [1] * 16 * 20
