"""The natural keys the loader matches curated rows by (``dataset.load``), and the rows
a claim stands for.

A second load of unchanged files finds every row by its key and writes nothing.
"""

from __future__ import annotations

from app.dataset.files import ParticipationEntry
from app.models.enums import HolderStatus
from app.schemas.dates import PartialDate


def participation_key(entry: ParticipationEntry, actor_id: str | None) -> str:
    """``forum/actor/role/start/end[/dispute]``; an office with no holder has ``~vacant``
    or ``~undecided`` in the actor's place."""
    holder = actor_id if actor_id is not None else f"~{entry.holder.value}"
    start = entry.start.date.isoformat() if entry.start else "-"
    end = entry.end.date.isoformat() if entry.end else "-"
    key = f"{entry.forum}/{holder}/{entry.role.value}/{start}/{end}"
    return f"{key}/{entry.dispute}" if entry.dispute else key


def holders(entry: ParticipationEntry) -> list[str | None]:
    """One row per named actor, or a single row with no actor for a vacant/undecided office."""
    return list(entry.actors) if entry.holder is HolderStatus.NAMED else [None]


def funding_share_key(forum: str, basis: str, start: PartialDate | None, actor_id: str) -> str:
    slug = "-".join(basis.lower().split())
    return f"{forum}/{actor_id}/{slug}/{start.date.isoformat() if start else '-'}"
