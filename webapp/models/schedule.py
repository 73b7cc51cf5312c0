"""The daily cycle's run record: one row per local day, which is also its lock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class DailyRun(SQLModel, table=True):
    """The daily proof-of-life cycle for one local day.

    The unique ``day`` makes the run happen once even when every web process and
    worker's scheduler wakes up at the same minute: the first insert wins. A run
    that started but never finished (a killed process) may be taken over after
    ``SCHEDULER_STALE_MINUTES`` by a conditional UPDATE.
    """

    __tablename__ = "daily_run"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    runner: str = Field(default="", max_length=100)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
