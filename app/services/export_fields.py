"""What each column of the data package means: the ``description`` of every field of
``datapackage.json`` (and so of the SQLite export's columns), for a reader who has only
the files.

A column's own ``doc`` (on the model) wins. Otherwise its description is, in order:
this table's entry in ``BY_TABLE``, the shared entry in ``BY_NAME``, or one derived from
its shape (a foreign key names what it refers to; ``<x>_date`` and ``<x>_precision``
say how a partial date is stored). ``tests/api/test_download.py`` checks that every
exported column ends up with one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column

PARTIAL_DATE = (
    "{what}: the first day of the period the documents give (a day, a month or a year; "
    "see `{stem}_precision`)."
)
PRECISION = "How precisely `{stem}_date` is known: `day`, `month` or `year`."

BY_NAME: dict[str, str] = {
    "id": "Identifier of the row, stable across exports.",
    "key": "Stable key of the curated entry this row was loaded from (data/*.yaml), so a "
    "row keeps its identity when the dataset is reloaded.",
    "code": "Short code of the forum (`RCM`, `MIRPS-SP`), as the API names it.",
    "name": "Name in English.",
    "name_es": "Name in Spanish: the body's standard Spanish name, or our translation of "
    "`name` (docs/data-coverage.md); empty where none is recorded (the API then falls back "
    "to English and says so).",
    "description": "What the row is about, written for the dataset (never copied from a source).",
    "description_es": "The description in Spanish, our own words like `description`; empty "
    "where none is written (the API then falls back to English and says so).",
    "aliases": "Other names and abbreviations it is known by (JSON array), matched by the "
    "API's filters.",
    "kind": "What kind of thing it is (one of the listed values).",
    "scope": "How far it reaches: `global`, `regional`, `national` or `local`.",
    "status": "Where it stands (one of the listed values).",
    "role": "The role held (`member`, `chair`, `participant` ...).",
    "note": "What the curators add about this row: a gap in the documents, a choice made.",
    "inferred": "Values no cited passage states, each with the reasoning it follows from "
    "(JSON array of {field, reasoning}).",
    "created_at": "When this row was first stored (UTC).",
    "updated_at": "When this row last changed (UTC).",
    "currency": "ISO 4217 code of the amount.",
    "amount": "Exact decimal amount, in `currency`.",
    "share_pct": "Share in percent, as an exact decimal.",
    "objective": "Number of a Global Compact for Migration objective (1 to 23).",
    "position": "Order within its group, from 0 (the lead first).",
    "website": "Public web address.",
    "dispute": "Slug of the dispute (table `dispute`) this claim is one side of; empty when "
    "the documents agree.",
    "version": "Version of the row, raised by each write.",
    "start_earliest": "Earliest day the period may have started (from its date, explicit "
    "bounds, the forum's founding and the cited documents' dates).",
    "start_latest": "Latest day the period may have started.",
    "region": "Region it serves, in words.",
    "title": "Title.",
    "summary": "What the documents disagree about, in a sentence.",
    "earliest": "Earliest day it may fall on (its own dates at their precision, or its series').",
    "latest": "Latest day it may fall on.",
    "qualifier": "How exact the amount is (`exact`, `approximately`, `at_least` ...).",
    "reported_precision": "How precisely `reported_date` is known: `day`, `month` or `year`.",
}

BY_TABLE: dict[tuple[str, str], str] = {
    ("participation", "bounds"): "The bounds the period was judged on (JSON array): each "
    "{edge: start|end, side: not_before|not_after, day, basis, citations}; basis says why "
    "it holds (stated, explicit, forum_founded, forum_ended, first_document, "
    "last_confirmed ...). docs/time.md explains them.",
    ("participation", "holder_status"): "Who holds the role: `named` (the actor in "
    "`actor_id`), `vacant` (the documents record the office as empty) or `undecided` (not "
    "yet decided).",
    ("participation", "last_confirmed_source_id"): "The source whose date set "
    "`last_confirmed` (table `source`).",
    ("forum", "extra"): "Further facts about the forum that have no column of their own "
    "(JSON object).",
    ("forum", "founded_date"): PARTIAL_DATE.format(
        what="When the forum was founded", stem="founded"
    ),
    ("forum", "ended_date"): PARTIAL_DATE.format(what="When the forum ended", stem="ended"),
    ("actor", "iso3"): "ISO 3166-1 alpha-3 code of a state; empty for an organisation.",
    ("actor", "short_name"): "Short name or acronym (`UNHCR`).",
    ("actor", "name_es"): "Name in Spanish: a state's from ISO 3166, an organisation's its "
    "standard Spanish name or our translation, a person's their name.",
    ("event", "virtual"): "`true` when the event was held online only.",
    ("event", "place"): "Where it was held, in words.",
    ("event", "country_iso3"): "ISO 3166-1 alpha-3 code of the host country.",
    ("event", "topic"): "What the event was about, in a few words.",
    ("event", "announced_total_amount"): "Total announced for the whole event, as an exact "
    "decimal in `announced_total_currency` (not the sum of recorded pledges).",
    ("event", "announced_total_currency"): "ISO 4217 code of `announced_total_amount`.",
    ("event", "announced_total_qualifier"): "How exact `announced_total_amount` is.",
    ("event", "series"): "`true` when other events are this one's occurrences or parts "
    "(their `parent_id` names it); a count of meetings leaves series out.",
    ("event", "bounds"): "The bounds `earliest` and `latest` were judged on (JSON array): "
    "each {edge: start|end, side: not_before|not_after, day, basis, citations}; basis is "
    "stated, explicit, series or term. docs/time.md explains them.",
    ("pledge", "amount_usd"): "USD equivalent of `amount` at the exchange rate in "
    "`exchange_rate_id`; empty when no rate is known.",
    ("pledge", "amount_qualifier"): "How exact `amount` is.",
    ("pledge", "external_ref"): "The submitter's own reference for the pledge.",
    ("pledge", "announced_date"): PARTIAL_DATE.format(
        what="When it was announced", stem="announced"
    ),
    ("source", "url"): "Public address of the document; empty where none is known.",
    ("source", "language"): "Language of the document (ISO 639-1).",
    ("source", "publisher"): "Who published the document.",
    ("source", "published_earliest"): "Earliest day the document may date from.",
    ("source", "published_latest"): "Latest day the document may date from.",
    ("exchange_rate", "provider"): "Where the rate comes from (`curated`, `ecb`).",
    ("exchange_rate", "usd_per_unit"): "US dollars per unit of `currency`, exact decimal.",
    ("exchange_rate", "period_start"): "First day the rate applies to.",
    ("exchange_rate", "period_end"): "Last day the rate applies to.",
    ("money_record", "currency_assumed"): "`true` when the source writes only a symbol or "
    "'dollars' and the currency is the curators' reading.",
    ("money_record", "purpose"): "What the money was for, in words.",
    ("dispute", "claims"): "The competing claims (JSON array), each with its value and sources.",
    ("dispute", "subject_entity"): "Kind of record the dispute is about (`participation` ...).",
    ("dispute", "subject_id"): "Id of the record it is about.",
    ("dispute", "subject_field"): "The field the documents disagree on.",
    ("change", "action"): "What the change did: `created`, `updated`, `withdrawn` (a "
    "pledge) or `deleted` (a curated record dropped from the dataset).",
    ("change", "entity"): "Kind of record changed.",
    ("change", "entity_id"): "Id of the record changed.",
    ("change", "origin"): "Where it came from: `curated` (a dataset load) or `api` (a write).",
    ("change", "parts"): "For a pledge, the parts of the data it was in before and after the "
    "change, as [name, value] pairs: its forum and the year it was announced in (JSON array; "
    "empty for other records, null on changes logged before parts were kept).",
    ("change", "changed_at"): "When it was committed (UTC).",
    ("change", "version"): "Data version the change belongs to.",
    ("participant_count", "actor_kind"): "Kind of participants counted.",
    ("governance_change", "introduced_by_actor_id"): "The actor that introduced it "
    "(table `actor`).",
    ("governance_change", "introduced_date"): PARTIAL_DATE.format(
        what="When it was introduced", stem="introduced"
    ),
}


def describe(table: str, column: Column[Any]) -> str | None:
    """The description of ``column`` of ``table`` (module docstring)."""
    if column.doc:
        return str(column.doc)
    name = column.name
    if (table, name) in BY_TABLE:
        return BY_TABLE[(table, name)]
    if name in BY_NAME:
        return BY_NAME[name]
    if name.endswith("_precision"):
        return PRECISION.format(stem=name.removesuffix("_precision"))
    if name.endswith("_date"):
        stem = name.removesuffix("_date")
        words = stem.replace("_", " ").capitalize()
        return PARTIAL_DATE.format(what=words, stem=stem)
    for key in column.foreign_keys:
        target = key.column.table.name
        return (
            f"The {target.replace('_', ' ')} this row refers to (table `{target}`, "
            f"column `{key.column.name}`)."
        )
    return None
