"""Field descriptions that REST (pydantic) and GraphQL (strawberry) both publish.

One text per fact, so the two documents cannot drift apart. Texts used by one
field only stay next to that field.
"""

from __future__ import annotations

DATE_DOC = "ISO 8601 cut to its precision (`2017`, `2021-07`, `2022-09-21`); null when unknown."

ACTOR_ID = "ISO 3166-1 alpha-3 for states (`CAN`), a slug otherwise (`unhcr`)."
ACTOR_ISO3 = "ISO 3166-1 alpha-3 code; null for non-states."
ACTOR_SHORT_NAME = "Acronym or short form, e.g. `UNHCR`."
ACTOR_FORUM = "Code of the forum this actor also is (e.g. SICA)."

FORUM_CODE = "Stable forum code, e.g. `RCM`, `MIRPS-SP`."
FORUM_ALIASES = "Other names and acronyms, in any language."
FORUM_DESCRIPTION = "A short description written for migov."
FORUM_PARENT = "Code of the forum this one belongs to."
FORUM_PREDECESSOR = "Code of the forum this one succeeded."

NAME_IN_LANGUAGE = (
    "Name in the requested language (`lang`, else Accept-Language; English by default). "
    "Where it has no Spanish name, the English one stands in and the answer says so "
    "(`Language-Fallback: en`)."
)
DESCRIPTION_IN_LANGUAGE = (
    "A short description written for migov, in the requested language like `name`."
)
NAME_ES = "Spanish name, where one is recorded: the body's own, or our translation."
DESCRIPTION_ES = "The description in Spanish (our own words), where one is written."

DISPUTED = "Sources disagree about this fact; see `dispute`."
DISPUTE_KEY = "Id of the dispute this claim belongs to (`/v1/disputes/{id}`, GraphQL `dispute`)."
ROLE_START = f"First day in the role. {DATE_DOC}"
ROLE_END = (
    "Day the role ended (exclusive): a day is the first day out of the role; a month or "
    f"year says the role ended in the course of it. {DATE_DOC}"
)

# Honest time (docs/time.md).
HOLDER_STATUS = (
    "`named` when an actor holds the role; `vacant` or `undecided` when the documents "
    "record the office as empty or not yet decided (then there is no actor)."
)
CERTAINTY = (
    "With `as_of`: `certain` when every reading of the bounds covers the day, `possible` "
    "when some does. Null without `as_of`."
)
START_EARLIEST = "Earliest possible first day in the role (null: unbounded)."
START_LATEST = "Latest possible first day in the role (null: unbounded)."
END_EARLIEST = "Earliest possible first day out of the role (exclusive end; null: unbounded)."
END_LATEST = "Latest possible first day out of the role (exclusive end; null: may still be held)."
LAST_CONFIRMED = (
    "For a role with no stated end: the earliest day the latest document stating it may "
    "date from. The role is known to hold up to this day and is unknown after it."
)
LAST_CONFIRMED_SOURCE = "The source behind `last_confirmed`."
BOUNDS = "The bounds the answer was judged on, each with why it holds (see docs/time.md)."
BOUND_BASIS = (
    "`stated` (the date given), `explicit` (a bound the documents give), `forum_founded`, "
    "`forum_ended`, `first_document` (a start precedes the earliest document stating it), "
    "`last_confirmed` (an open role held on its latest document's date), `start` (an end "
    "is not before the start), `end` (a start is not after the latest end), `series` (an "
    "undated occurrence lies within its series), `term` (an item listed under a term lies "
    "within it)."
)
MEMBER_OF_CERTAINTY = (
    "With `member_of` or `has_role`: how surely the actor meets every one of them on `as_of` "
    "(today when not given): the weakest over the conditions, each met as surely as the "
    "actor's surest claim to it. Null otherwise."
)
CERTAINTY_SET_BY = (
    "The conditions that set `certainty`: those the actor meets only as surely as "
    "`certainty` says (all of them when every one is certain). Null without `certainty`."
)

SHARE_PCT = "Percent of the forum's budget, exact decimal string."
SHARE_BASIS = "What budget the share is of."
SHARE_REPORTED = f"When the source reported the share. {DATE_DOC}"

EVENT_END = f"Last day of the event (inclusive). {DATE_DOC}"
HOST_COUNTRY = "ISO 3166-1 alpha-3 of the host country."

EXACT_DECIMAL = "Exact decimal string."
ISO_4217 = "ISO 4217 code."
PLEDGE_AMOUNT = "Exact decimal string in `currency`."
PLEDGE_CURRENCY = "ISO 4217 code, as pledged."
PLEDGE_CURRENCY_ASSUMED = (
    "`true` when the source writes only '$' and the currency is read from context (see "
    "`inferred`): the amount is not stated in that currency."
)
AMOUNT_ASSUMED = "Of `amount`, what rests on an assumed currency (`currency_assumed`)."
AMOUNT_USD_ASSUMED = "Of `amount_usd`, what rests on an assumed currency (`currency_assumed`)."
PLEDGE_AMOUNT_USD = "USD equivalent from the dated rates table; null where no rate is known."
USD_CONVERSION = (
    "How `amount_usd` was obtained: the rate, the period it covers, its basis and its "
    "source; null when there is no USD equivalent (or the amount is in USD)."
)
AMOUNT_USD_NOTE = (
    "Why `amount_usd` is null: no announced date, a currency no rate covers, or a period "
    "past the rates on file. Null when there is a USD equivalent or no amount."
)
RATE_PROVIDER = (
    "`cited`: a curated rate from the sources in `citations`; `ecb`: derived from the "
    "European Central Bank's euro reference rates for the announced date at its precision "
    "(see `basis`)."
)
USD_PER_UNIT = "US dollars per one unit of the pledge's currency, exact decimal."
RATE_BASIS = "How the rate was obtained, e.g. the inverse of a published annual average."
PLEDGE_PLEDGERS = "The lead pledger first."
GCM_OBJECTIVES = "Global Compact for Migration objectives (1-23)."
GCM_OBJECTIVES_ADDRESSED = "Global Compact for Migration objectives the pledge addresses (1-23)."
CURATED = "From the curated dataset (true) or submitted (false)."
EXTERNAL_REF = (
    "Your own id for the pledge. Sending it again with the same API key "
    "answers the pledge already stored instead of creating a second one."
)
PARTIAL_DATE_INPUT = "`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when only that much is known."

SOURCE_PUBLISHED = "Publication date cut to its precision; null when the document shows none."
SOURCE_PUBLISHED_EARLIEST = (
    "Earliest day the document may date from: its date, narrowed by what its own text "
    "shows (a page reporting July 2021 as past was written after it). Null: unbounded."
)
SOURCE_PUBLISHED_LATEST = "Latest day the document may date from. Null: unbounded."
SOURCE_AVAILABILITY = (
    "Where to find the document: its address when the document or its archive states one "
    "(see `url`), or a sentence saying that neither gives one."
)
AVAILABILITY_AT_URL = "Published at its url."
AVAILABILITY_NOT_STATED = "Neither the document nor its archive gives an address for it."


def availability(stated: str | None, url: str | None) -> str:
    """A source's ``availability``: what the files say, else what its url says."""
    if stated:
        return stated
    return AVAILABILITY_AT_URL if url else AVAILABILITY_NOT_STATED


TERMS_NOT_STATED = "not stated"
SOURCE_TERMS = (
    "The document's own terms of use as it states them (e.g. a Creative Commons licence), "
    "or `not stated` where it states none. The dataset's licence covers only the facts "
    "drawn from it and text written for this service."
)

EVENT_STATUS = (
    "`held` when a cited passage reports the event held; otherwise `announced` (the documents "
    "only plan or announce it), even when its date has passed."
)
EVENT_START_CERTAINTY = (
    "With `start_from` or `start_to`: `certain` when every day the event may start on is in "
    "the range, `possible` when only some are (a start known to a month or a year, an "
    "undated occurrence within its series' dates, or no date at all). Null otherwise."
)
EVENT_WINDOW = (
    "First (`earliest`) and last (`latest`) day the event may fall on: its own dates at "
    "their precision, or, for an occurrence the documents do not date, its series' dates."
)
EVENT_SERIES = (
    "`true` when other events are this one's occurrences or parts (a series, or a meeting "
    "with sessions of its own): counting it beside them counts the same meetings twice; "
    "`series=false` leaves such events out."
)
EVENT_OCCURRENCE = "`true` when the event is one occurrence or part of another (`parent`)."
EVENT_ORGANIZERS_FROM = (
    "The event whose hosts ran this one: itself when it names its own hosts, else the "
    "nearest series or whole above it that does; null when no document says who ran it "
    "(the forum in `forum` is the one it served, not necessarily who ran it)."
)
CHAIR_THEME = "A chair's theme for its term, as the documents name it; null otherwise."
CHAIR_OBJECTIVES = "A chair's objectives for its term, in our own words; empty otherwise."

PASSAGE = (
    "The exact span of the source's text this fact rests on; null where the source's text "
    "is not at hand. The text is the public document as the source's plain text: offsets "
    "and a digest, never the document's words."
)
PASSAGE_START = (
    "First character of the passage: a Unicode code point offset into the source's text."
)
PASSAGE_END = "One past the passage's last character (code point offset; at most 600 after start)."
PASSAGE_SHA256 = "Hex SHA-256 of the passage (the text from start to end) encoded as UTF-8."
INFERRED = (
    "The values of this row whose basis is `inferred`: no cited passage states them, and "
    "each follows from others by the reasoning given (a date bounded by the term it was "
    "listed under, a year read from the document's own date). Every value not listed is "
    "`stated` by a cited passage (see `citations[].passage`)."
)
DEPARTMENTS = (
    "The government departments that acted for the state in this role, as the documents "
    "name them (the state is the actor); empty when none is named."
)
