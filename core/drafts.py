"""Drafts: incomplete answers saved to resume later. Shape checks only; they expire (default 30
days, ``SHAREWISE_DRAFT_DAYS``) and are never exported — only records are."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from sharewise.core.engine import Engine
from sharewise.core.errors import InvalidInput, SharewiseError
from sharewise.core.findings import Finding
from sharewise.core.store.rows import iso_utc
from sharewise.core.store.schema import drafts
from sharewise.core.store.store import Store

ENV_VARIABLE = "SHAREWISE_DRAFT_DAYS"
DEFAULT_DAYS = 30


def draft_days(environ: Mapping[str, str] = os.environ) -> int:
    """How many days a draft is kept after it was last saved (1–365)."""
    raw = environ.get(ENV_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_DAYS
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 365):
        raise InvalidInput(f"{ENV_VARIABLE} must be a whole number of days from 1 to 365, not {raw!r}")
    return int(raw)


class DraftNotFound(SharewiseError, LookupError):
    """No such draft (for this host), or it has expired."""


class DraftRefused(SharewiseError):
    """The answers fail the shape checks, so they cannot be saved even as a draft."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass(frozen=True)
class Draft:
    """Saved, unsubmitted answers."""

    id: str
    form_id: str
    form_version: int
    answers: Mapping[str, Any]
    host: str
    author: Mapping[str, Any]
    context: Mapping[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    resume_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "id": self.id,
            "form": {"id": self.form_id, "version": self.form_version},
            "answers": dict(self.answers),
            "host": self.host,
            "author": dict(self.author),
            "context": dict(self.context),
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
            "expires_at": iso_utc(self.expires_at),
        }


class Drafts:
    """Save, resume and discard drafts; expired drafts are removed whenever drafts are saved."""

    def __init__(self, engine: Engine, store: Store, *, days: int | None = None, clock: Callable[[], dt.datetime]) -> None:
        self.engine = engine
        self.store = store
        self.days = days if days is not None else draft_days()
        self.clock = clock

    def save(
        self,
        form_id: str,
        answers: Any,
        *,
        draft_id: str | None = None,
        host: str = "local",
        author: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        version: int | None = None,
        resume_key: str | None = None,
    ) -> Draft:
        """Save new answers, or replace a draft's answers; shape problems refuse the save. A new draft may
        carry a ``resume_key`` by which ``resumable`` finds it again."""
        form = self.engine.form(form_id, version)
        problems = self.engine.shape_findings(form.id, answers, version=form.version)
        if problems:
            raise DraftRefused(
                f"the answers have {len(problems)} problem{'s' if len(problems) != 1 else ''} to fix before saving", problems
            )
        now = self.clock()
        expires = now + dt.timedelta(days=self.days)
        with self.store.writing() as connection:
            existing = None if draft_id is None else self._get(connection, draft_id, host, now)
            connection.execute(delete(drafts).where(drafts.c.expires_at < now))
            if draft_id is None:
                draft_id = str(uuid.uuid4())
                connection.execute(
                    drafts.insert().values(
                        id=draft_id,
                        form_id=form.id,
                        form_version=form.version,
                        answers=dict(answers),
                        host=host,
                        author=dict(author or {}),
                        context=dict(context or {}),
                        created_at=now,
                        updated_at=now,
                        expires_at=expires,
                        resume_key=resume_key,
                    )
                )
            else:
                assert existing is not None
                if existing.form_id != form.id:
                    raise InvalidInput(f"draft {draft_id} is for form '{existing.form_id}', not '{form.id}'")
                values: dict[str, Any] = {"answers": dict(answers), "updated_at": now, "expires_at": expires}
                if context is not None:
                    values["context"] = dict(context)
                connection.execute(update(drafts).where(drafts.c.id == draft_id).values(**values))
            return self._get(connection, draft_id, host, now)

    def get(self, draft_id: str, *, host: str | None = None) -> Draft:
        """The draft ``draft_id`` (``DraftNotFound`` if unknown, another host's, or expired)."""
        with self.store.reading_one() as connection:
            return self._get(connection, draft_id, host, self.clock())

    def list(self, *, host: str | None = None) -> list[Draft]:
        """Drafts that have not expired, most recently saved first."""
        query = select(drafts).where(drafts.c.expires_at >= self.clock()).order_by(drafts.c.updated_at.desc())
        if host is not None:
            query = query.where(drafts.c.host == host)
        with self.store.reading() as connection:
            return [Draft(**row._mapping) for row in connection.execute(query)]

    def resumable(self, resume_key: str, *, host: str) -> Draft | None:
        """The most recently saved unexpired draft of ``host`` with this resume key (one indexed lookup)."""
        query = (
            select(drafts)
            .where(drafts.c.host == host, drafts.c.resume_key == resume_key, drafts.c.expires_at >= self.clock())
            .order_by(drafts.c.updated_at.desc())
            .limit(1)
        )
        with self.store.reading() as connection:
            row = connection.execute(query).first()
        return None if row is None else Draft(**row._mapping)

    def discard(self, draft_id: str, *, host: str | None = None) -> None:
        """Delete a draft."""
        with self.store.writing() as connection:
            self._get(connection, draft_id, host, self.clock())
            connection.execute(delete(drafts).where(drafts.c.id == draft_id))

    def purge_expired(self) -> int:
        """Delete every expired draft; return how many."""
        with self.store.writing() as connection:
            return connection.execute(delete(drafts).where(drafts.c.expires_at < self.clock())).rowcount

    @staticmethod
    def _get(connection: Any, draft_id: str, host: str | None, now: dt.datetime) -> Draft:
        query = select(drafts).where(drafts.c.id == draft_id)
        if host is not None:
            query = query.where(drafts.c.host == host)
        row = connection.execute(query).first()
        if row is None:
            raise DraftNotFound(f"no draft {draft_id}")
        draft = Draft(**row._mapping)
        if draft.expires_at < now:
            raise DraftNotFound(f"draft {draft_id} expired on {iso_utc(draft.expires_at)[:10]} and is no longer kept")
        return draft
