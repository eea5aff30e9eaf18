"""Resolving the codes and ids a request names: forgiving about case, loud about typos.

Every filter value that names a forum, an actor, an event or a currency passes
through here before it reaches a query, so a typo is never answered as "no data":

* Codes and ids match case-insensitively (``rcm`` is RCM, ``can`` is CAN).
* A forum also matches by any alias or name, ignoring case and accents
  (``CRM``, ``Puebla Process``, ``Proceso Puebla`` are RCM); an actor by its
  short name or name (``UNHCR``, ``Canada``).
* A value that matches nothing raises ``UnknownReference`` naming the parameter
  and the value, with up to three of the closest known codes as suggestions.
  Every unmatched value of a request is reported at once.
* A code in a path (``/v1/forums/RMC``) that matches nothing is a ``NotFound``
  with the same suggestions (``missing``), so a typo gets the same help wherever
  it is written.
* ``include_subforums`` widens forum codes to every forum whose parent chain
  leads to one of them (MIRPS brings in MIRPS-SP).

The lookups read small tables (forums, actors, events) only when an exact match
fails, so the common request (exact codes) costs one indexed query. A write's
``Lookup`` does the same: built from exact codes alone, it knows only those. A write
asks which of its values are codes inside the one statement it starts with and hands
the answer over (``lookup``'s ``found``), so its lookups cost no round trip of their own.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import NotFound, UnknownReference, summarize_problems
from app.models import Actor, Dispute, Event, Forum, MoneyRecord, Programme
from app.standards.iso import currency_codes

MAX_SUGGESTIONS = 3
# The most codes a lookup asks for by name (a batch's worth of forums or events, and
# far inside both engines' limits on bound parameters); more, and it reads every name.
MAX_EXACT = 1000


def fold(text: str) -> str:
    """Case- and accent-free form with single spaces: ``México`` → ``mexico``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def matches_words(query: str, *texts: str | None) -> bool:
    """Every word of ``query`` is a word of one of ``texts`` (case and accents ignored).

    Whole words only, so ``q=-1`` does not find "COVID-19"; a query with no word
    at all matches nothing.
    """
    wanted = _words(query)
    found: set[str] = set()
    for text in texts:
        if text:
            found |= _words(text)
    return bool(wanted) and wanted <= found


def suggestions(value: str, names: Mapping[str, str]) -> list[str]:
    """Up to three codes whose folded names (``names``: folded name → code) are closest to ``value``."""
    wanted = fold(value)
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, wanted, name).ratio(), code)
            for name, code in names.items()
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    best: list[str] = []
    for score, code in scored:
        if score <= 0 or len(best) == MAX_SUGGESTIONS:
            break
        if code not in best:
            best.append(code)
    return best


def _problem(parameter: str, noun: str, value: str, names: Mapping[str, str]) -> dict[str, Any]:
    """One ``{field, value, detail, suggestions}`` for a value that matches nothing."""
    close = suggestions(value, names)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return {
        "field": parameter,
        "value": value,
        "detail": f"no {noun} matches {value!r}{hint}",
        "suggestions": close,
    }


def _refuse(
    parameter: str, noun: str, misses: Sequence[str], names: Mapping[str, str]
) -> UnknownReference:
    problems = [_problem(parameter, noun, value, names) for value in misses]
    return UnknownReference(summarize_problems(problems), errors=problems)


@dataclass(frozen=True)
class PathNoun:
    """How a resource's path code is told when nothing has it."""

    noun: str
    key: str
    code: str


PATH_NOUNS: dict[str, PathNoun] = {
    "forum": PathNoun(noun="forum", key="code", code="forum_not_found"),
    "actor": PathNoun(noun="actor", key="id", code="actor_not_found"),
    "event": PathNoun(noun="event", key="id", code="event_not_found"),
    "programme": PathNoun(noun="programme", key="id", code="programme_not_found"),
    "dispute": PathNoun(noun="dispute", key="id", code="dispute_not_found"),
    "money_record": PathNoun(noun="money record", key="id", code="money_record_not_found"),
}


async def missing(session: AsyncSession, resource: str, value: str, *, parameter: str) -> NotFound:
    """The ``NotFound`` for a ``resource`` (a key of ``PATH_NOUNS``) no ``value`` names, with
    the suggestions a filter naming it would get: ``No forum has the code 'RMC'; did you
    mean RCM, ...?``, the ``errors`` entry naming the path ``parameter``."""
    told = PATH_NOUNS[resource]
    problem = _problem(parameter, told.noun, value, await _path_names(session, resource))
    close = problem["suggestions"]
    hint = f"; did you mean {', '.join(close)}?" if close else "."
    detail = f"No {told.noun} has the {told.key} {value!r}{hint}"
    return NotFound(detail, code=told.code, errors=[problem])


async def _path_names(session: AsyncSession, resource: str) -> Mapping[str, str]:
    """Folded names → codes of the records ``resource`` suggests from."""
    if resource == "forum":
        return (await _forum_names(session))[0]
    if resource == "actor":
        return await _actor_names(session)
    if resource == "event":
        return await _event_names(session)
    if resource == "programme":
        return await _programme_names(session)
    column = {"dispute": Dispute.id, "money_record": MoneyRecord.id}[resource]
    return {fold(key): key for key in await session.scalars(select(column))}


def _resolve(
    values: Iterable[str],
    names: Mapping[str, str],
    *,
    parameter: str,
    noun: str,
) -> tuple[str, ...]:
    resolved: list[str] = []
    misses: list[str] = []
    for value in values:
        code = names.get(fold(value))
        if code is None:
            misses.append(value)
        else:
            resolved.append(code)
    if misses:
        raise _refuse(parameter, noun, misses, names)
    return tuple(dict.fromkeys(resolved))


@dataclass(frozen=True)
class Lookup:
    """The names of one kind of record that some values need, for resolving them one by one.

    What a write uses: it resolves each field of each submitted item on its own and
    reports each miss in its own item, where a filter refuses the whole request.

    When each value is an exact code, the lookup holds those codes alone
    (``complete`` False), read with one indexed query: each of its values then
    resolves to itself, as it would among every name, since a code always wins over
    another record's name. Otherwise it holds every name, alias and code of the kind,
    which a miss needs for its suggestions.
    """

    noun: str
    names: Mapping[str, str]
    complete: bool = True

    def code(self, value: str) -> str | None:
        """The canonical code ``value`` names (any case, alias or name), or None."""
        return self.names.get(fold(value))

    def problem(self, field: str, value: str) -> dict[str, Any]:
        """The ``{field, value, detail, suggestions}`` of a value that names nothing."""
        # Built from exact codes, a lookup misses only a value it was not built for.
        assert self.complete, f"{value!r} is not among the values this lookup was built for"
        return _problem(field, self.noun, value, self.names)


def _codes_among(key: InstrumentedAttribute[str]) -> Select[str]:
    """The statement that reads which of ``:values`` are codes of ``key``."""
    return select(key).where(key.in_(bindparam("values", expanding=True)))


# Built once: SQLAlchemy memoizes a statement's cache key on the statement object, and
# keying a new one on every write took about as long as running it.
_FORUM_CODES = _codes_among(Forum.code)
_ACTOR_CODES = _codes_among(Actor.id)
_EVENT_CODES = _codes_among(Event.id)


def exact_candidates(values: Iterable[str]) -> list[str]:
    """The values to ask about as exact codes (``_codes_among``'s question): none past
    ``MAX_EXACT``, when ``lookup`` reads every name of the kind anyway (and the bound
    parameters stay few)."""
    distinct = sorted(set(values))
    return distinct if len(distinct) <= MAX_EXACT else []


async def lookup(
    session: AsyncSession, kind: str, values: Iterable[str], *, found: Iterable[str] | None = None
) -> Lookup:
    """The names of ``kind`` (``forum``, ``actor``, ``event``) that ``values`` need: their
    codes when each is exact, else every name. ``found``: which of ``values`` are codes,
    when the caller already read it (``_codes_among``'s question, asked inside a larger
    statement); otherwise it is asked here."""
    codes_among, every_name = _KINDS[kind]
    wanted = set(values)
    if len(wanted) <= MAX_EXACT:
        if found is None:
            found = (
                await (await session.connection()).scalars(codes_among, {"values": list(wanted)})
                if wanted
                else ()
            )
        # Compared here, not only in SQL, so an engine's looser equality never admits a value.
        if set(found).issuperset(wanted):
            return Lookup(kind, {fold(code): code for code in wanted}, complete=False)
    return Lookup(kind, await every_name(session))


# --- forums -------------------------------------------------------------------------------


async def _forum_names(session: AsyncSession) -> tuple[dict[str, str], dict[str, str | None]]:
    """(folded code, alias or name → code; code → parent code)."""
    rows = (
        await session.execute(
            select(Forum.code, Forum.name, Forum.name_es, Forum.aliases, Forum.parent_code)
        )
    ).all()
    names: dict[str, str] = {}
    # Names and aliases first, codes last: a code always wins over another forum's alias.
    for row in rows:
        for name in (row.name, row.name_es, *(row.aliases or [])):
            if name:
                names.setdefault(fold(name), row.code)
    for row in rows:
        names[fold(row.code)] = row.code
    return names, {row.code: row.parent_code for row in rows}


def _with_descendants(codes: Sequence[str], parents: Mapping[str, str | None]) -> tuple[str, ...]:
    """``codes`` and every key whose parent chain leads to one of them (forums, programmes)."""
    wanted = set(codes)
    found = list(codes)
    for code in sorted(parents):
        seen: set[str] = set()
        ancestor = parents.get(code)
        while ancestor is not None and ancestor not in seen:
            if ancestor in wanted:
                found.append(code)
                break
            seen.add(ancestor)
            ancestor = parents.get(ancestor)
    return tuple(dict.fromkeys(found))


async def forum_codes(
    session: AsyncSession,
    values: Sequence[str],
    *,
    parameter: str = "forum",
    include_subforums: bool = False,
) -> tuple[str, ...]:
    """The forum codes ``values`` name (case-free, aliases), widened to sub-forums on request."""
    if not values:
        return ()
    if not include_subforums:
        exact = set(await session.scalars(select(Forum.code).where(Forum.code.in_(values))))
        if exact.issuperset(values):
            return tuple(dict.fromkeys(values))
    names, parents = await _forum_names(session)
    codes = _resolve(values, names, parameter=parameter, noun="forum")
    return _with_descendants(codes, parents) if include_subforums else codes


async def forum_code(session: AsyncSession, value: str) -> str | None:
    """The code ``value`` names (code, alias or name in any case), or None."""
    names, _ = await _forum_names(session)
    return names.get(fold(value))


# --- actors -------------------------------------------------------------------------------


async def _actor_names(session: AsyncSession) -> dict[str, str]:
    rows = (await session.execute(select(Actor.id, Actor.name, Actor.short_name))).all()
    names: dict[str, str] = {}
    for row in rows:
        for name in (row.name, row.short_name):
            if name:
                names.setdefault(fold(name), row.id)
    for row in rows:
        names[fold(row.id)] = row.id
    return names


async def actor_ids(
    session: AsyncSession, values: Sequence[str], *, parameter: str = "actor"
) -> tuple[str, ...]:
    """The actor ids ``values`` name: ids in any case, short names, names."""
    if not values:
        return ()
    exact = set(await session.scalars(select(Actor.id).where(Actor.id.in_(values))))
    if exact.issuperset(values):
        return tuple(dict.fromkeys(values))
    return _resolve(values, await _actor_names(session), parameter=parameter, noun="actor")


async def actor_id(session: AsyncSession, value: str) -> str | None:
    """The id ``value`` names (id in any case, short name, name), or None."""
    return (await _actor_names(session)).get(fold(value))


# --- events and currencies ----------------------------------------------------------------


async def event_ids(
    session: AsyncSession, values: Sequence[str], *, parameter: str = "event"
) -> tuple[str, ...]:
    """The event ids ``values`` name, in any case."""
    if not values:
        return ()
    exact = set(await session.scalars(select(Event.id).where(Event.id.in_(values))))
    if exact.issuperset(values):
        return tuple(dict.fromkeys(values))
    return _resolve(values, await _event_names(session), parameter=parameter, noun="event")


async def _event_names(session: AsyncSession) -> dict[str, str]:
    rows = (await session.execute(select(Event.id, Event.name))).all()
    names = {fold(row.name): row.id for row in rows if row.name}
    names.update({fold(row.id): row.id for row in rows})
    return names


def currencies(values: Sequence[str], *, parameter: str = "currency") -> tuple[str, ...]:
    """ISO 4217 codes in any case; anything else is an unknown reference."""
    names = {code.lower(): code for code in currency_codes()}
    return _resolve(values, names, parameter=parameter, noun="ISO 4217 currency")


async def programme_ids(
    session: AsyncSession,
    values: Sequence[str],
    *,
    parameter: str = "programme",
    include_subprogrammes: bool = False,
) -> tuple[str, ...]:
    """The programme ids ``values`` name: ids, names or aliases (``IMCBP``), in any case;
    widened to the programmes under them (their parts, at any depth) on request."""
    if not values:
        return ()
    names = await _programme_names(session)
    ids = _resolve(values, names, parameter=parameter, noun="programme")
    if not include_subprogrammes:
        return ids
    rows = await session.execute(select(Programme.id, Programme.parent_id))
    parents = {row.id: row.parent_id for row in rows}
    return _with_descendants(ids, parents)


async def _programme_names(session: AsyncSession) -> dict[str, str]:
    rows = (await session.execute(select(Programme.id, Programme.name, Programme.aliases))).all()
    names: dict[str, str] = {}
    for row in rows:
        for name in (row.name, *(row.aliases or [])):
            names.setdefault(fold(name), row.id)
    names.update({fold(row.id): row.id for row in rows})
    return names


async def _every_forum_name(session: AsyncSession) -> Mapping[str, str]:
    return (await _forum_names(session))[0]


# Each kind a write names: the statement that reads which values are its codes, and
# every name of the kind, for a value that is not one.
_KINDS: dict[str, tuple[Select[str], Callable[[AsyncSession], Awaitable[Mapping[str, str]]]]] = {
    "forum": (_FORUM_CODES, _every_forum_name),
    "actor": (_ACTOR_CODES, _actor_names),
    "event": (_EVENT_CODES, _event_names),
}
