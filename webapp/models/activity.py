"""Alerts for pensioners, the audit trail and background job records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from .types import AwareDateTime, utcnow


class Alert(SQLModel, table=True):
    """A message in the pensioner's "Mes alertes".

    System alerts carry a ``kind`` and ``params`` and are worded at display
    time in the reader's language; ``title``/``body`` hold free text sent by
    the fund.
    """

    id: int | None = Field(default=None, primary_key=True)
    pensioner_id: int = Field(foreign_key="pensioner.id", index=True)
    kind: str = Field(default="message", max_length=40)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    title: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class AuditEvent(SQLModel, table=True):
    """Who did what, when and why: one row per state change that matters."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    actor_type: str = Field(max_length=12)  # staff / pensioner / system / operator
    actor_id: int | None = None
    action: str = Field(max_length=60, index=True)
    target_type: str | None = Field(default=None, max_length=20)
    target_id: int | None = Field(default=None, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    ip: str | None = Field(default=None, max_length=45)


class JobRecord(SQLModel, table=True):
    """A background job as the web side sees it (RQ or inline)."""

    __tablename__ = "job"

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=40)
    status: str = Field(default="queued", max_length=12)  # queued/started/finished/failed
    pensioner_id: int | None = Field(default=None, foreign_key="pensioner.id", index=True)
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    error_code: str | None = Field(default=None, max_length=40)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    started_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
