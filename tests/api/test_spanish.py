"""Spanish over REST: every curated forum, actor, event and programme has a Spanish name
(and description), and an answer says `Language-Fallback: en` exactly when a row served
had none (docs/data-coverage.md, "Spanish names and descriptions")."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Actor
from tests.factories import add_rows_without_spanish

# Every row of each list in one page (MAX_LIMIT is 500).
LISTS = ("/v1/forums", "/v1/actors", "/v1/events", "/v1/programmes")


async def _both(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, httpx.Response]:
    english = await client.get(path, params={"limit": 500})
    spanish = await client.get(path, params={"limit": 500}, headers={"Accept-Language": "es"})
    assert english.status_code == spanish.status_code == 200, spanish.text
    return english, spanish


def _key(row: dict[str, Any]) -> str:
    return str(row.get("id") or row["code"])


async def test_every_curated_row_is_served_in_spanish(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rows = await session.execute(select(Actor.id, Actor.name_es))
    spanish_names = {actor_id: name_es for actor_id, name_es in rows}
    for path in LISTS:
        english, spanish = await _both(client, path)
        assert spanish.headers["content-language"] == "es", path
        assert "language-fallback" not in spanish.headers, path
        assert english.headers["content-language"] == "en"
        rows_en = {_key(row): row for row in english.json()["items"]}
        rows_es = {_key(row): row for row in spanish.json()["items"]}
        assert len(rows_es) == spanish.json()["total"], path  # every row, not one page
        assert rows_en.keys() == rows_es.keys()
        for key, row in rows_es.items():
            name_en, name_es = rows_en[key]["name"], row["name"]
            if name_es == name_en:
                # Identical by nature (Honduras, El Colegio de México, a person, Jóvenes
                # Promesas): the Spanish name is recorded, and happens to be the same.
                recorded = row["name_es"] if "name_es" in row else spanish_names.get(key)
                assert recorded == name_en, (path, key)
            description_en = rows_en[key].get("description")
            if description_en is not None:
                assert row["description"], (path, key)
                assert row["description"] != description_en, (path, key)
    # The raw Spanish fields of events and programmes are the ones served under `es`.
    events = (await client.get("/v1/events", params={"limit": 500, "lang": "es"})).json()
    for row in events["items"]:
        assert row["name"] == row["name_es"], row["id"]
        assert row["description"] == row["description_es"], row["id"]
    mirps = await client.get("/v1/events/mirps-solidarity-event-2021", params={"lang": "es"})
    assert mirps.json()["name"] == "Evento de Solidaridad del MIRPS 2021"
    assert mirps.json()["description"].startswith("Evento de solidaridad del 10 de junio")
    assert "language-fallback" not in mirps.headers
    english = await client.get("/v1/programmes/imcbp")
    assert english.json()["name"] == "International Migration Capacity Building Program"
    assert english.json()["name_es"] == (
        "Programa Internacional de Fortalecimiento de Capacidades en Migración"
    )
    assert english.json()["description_es"].startswith("Programa del ministerio")
    assert english.headers["content-language"] == "en"


async def test_a_row_without_spanish_is_served_in_english_and_the_answer_says_so(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_rows_without_spanish(session)
    for path, english_name in (
        ("/v1/events/zz-untranslated-event", "Untranslated meeting"),
        ("/v1/programmes/zz-untranslated-programme", "Fondo sin traducir"),
        ("/v1/actors/zz-untranslated-actor", "Untranslated Agency"),
    ):
        response = await client.get(path, params={"lang": "es"})
        assert response.status_code == 200, response.text
        assert response.json()["name"] == english_name
        assert response.headers["content-language"] == "es, en", path
        assert response.headers["language-fallback"] == "en", path
    # The programme's name is Spanish, its description English: the answer still says so.
    programme = await client.get("/v1/programmes/zz-untranslated-programme", params={"lang": "es"})
    assert programme.json()["description"] == "A fund whose description has no Spanish form."
    assert programme.json()["description_es"] is None
    for path in ("/v1/events", "/v1/programmes", "/v1/actors"):
        listed = await client.get(path, params={"limit": 500}, headers={"Accept-Language": "es"})
        assert listed.headers["language-fallback"] == "en", path
        assert listed.headers["content-language"] == "es, en", path
    # A neighbour that is Spanish throughout says nothing of English.
    curated = await client.get("/v1/events/imrf-2022", params={"lang": "es"})
    assert curated.json()["name"] == "Foro de Examen de la Migración Internacional 2022"
    assert curated.headers["content-language"] == "es"
    assert "language-fallback" not in curated.headers
