"""#11 item 13: at DEBUG, no log line carries what residents wrote (SQL statements' values)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.db import make_engine
from core.logsetup import setup_logging

PHONE = "13812345678"


async def test_debug_logging_shows_no_statement_values(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("DEBUG", [])
    caplog.set_level(logging.DEBUG)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT :phone"), {"phone": f"王秀英 {PHONE}"})
            with pytest.raises(SQLAlchemyError) as failed:
                await conn.execute(text("SELECT * FROM no_such_table WHERE x = :p"), {"p": PHONE})
    finally:
        await engine.dispose()
        logging.getLogger().setLevel(logging.WARNING)
    assert PHONE not in caplog.text
    assert PHONE not in str(failed.value)  # an error shown or logged hides the values too
