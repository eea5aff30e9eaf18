"""Spanish over GraphQL: names and descriptions follow the request's language (or a
field's `lang`), every curated row has them, and the answer says when English stood in."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import add_rows_without_spanish

TEXTS = (
    "name en: name(lang: EN) nameEs description enDescription: description(lang: EN) descriptionEs"
)
QUERY = f"""{{
  forums(first: 500) {{ totalCount edges {{ node {{ id: code {TEXTS} }} }} }}
  events(first: 500) {{ totalCount edges {{ node {{ id {TEXTS} }} }} }}
  programmes(first: 500) {{ totalCount edges {{ node {{ id {TEXTS} }} }} }}
  actors(first: 500) {{ totalCount edges {{ node {{ id kind name en: name(lang: EN) nameEs }} }} }}
}}"""


async def _spanish(client: httpx.AsyncClient, query: str) -> httpx.Response:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    return response


async def test_every_curated_row_has_spanish_names_and_descriptions(
    client: httpx.AsyncClient,
) -> None:
    response = await _spanish(client, QUERY)
    assert response.headers["content-language"] == "es"
    assert "language-fallback" not in response.headers
    data: dict[str, Any] = response.json()["data"]
    for listing in ("forums", "events", "programmes", "actors"):
        nodes = [edge["node"] for edge in data[listing]["edges"]]
        assert len(nodes) == data[listing]["totalCount"] > 0, listing
        for node in nodes:
            where = (listing, node["id"])
            # Every row records its Spanish name, and serves it under `es`; it may equal
            # the English one only by nature (Honduras, a person, Jóvenes Promesas).
            assert node["nameEs"], where
            assert node["name"] == node["nameEs"], where
            if listing == "actors":
                continue
            if node["enDescription"] is not None:
                assert node["descriptionEs"], where
                assert node["description"] == node["descriptionEs"] != node["enDescription"]
    by_id = {edge["node"]["id"]: edge["node"] for edge in data["events"]["edges"]}
    assert by_id["global-refugee-forum-2019"]["name"] == "Primer Foro Mundial sobre los Refugiados"
    assert by_id["global-refugee-forum-2019"]["en"] == "First Global Refugee Forum"


async def test_a_field_lang_argument_overrides_the_request(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": """{ event(id: "mirps-solidarity-event-2021") { name(lang: ES) }
                          programme(id: "imcbp") { name description(lang: ES) } }"""
        },
    )
    assert response.json() == {
        "data": {
            "event": {"name": "Evento de Solidaridad del MIRPS 2021"},
            "programme": {
                "name": "International Migration Capacity Building Program",
                "description": (
                    "Programa del ministerio de Inmigración, Refugiados y Ciudadanía de "
                    "Canadá para reforzar la gestión de la migración en el extranjero y la "
                    "voz de Canadá en el debate mundial. Paga las cuotas de Canadá en los "
                    "foros de migración, financia asistencia técnica, trabajo de políticas "
                    "e investigación, e incluye la Partida de Cooperación y Colaboración en "
                    "Migración. La hoja informativa no da fecha de inicio con este nombre; "
                    "sucede al MPDP, cuyos proyectos llegaron hasta 2019."
                ),
            },
        }
    }
    assert response.headers["content-language"] == "en"
    assert "language-fallback" not in response.headers


async def test_a_row_without_spanish_is_noted(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_rows_without_spanish(session)
    for query, expected in (
        (
            '{ event(id: "zz-untranslated-event") { name description } }',
            {
                "event": {
                    "name": "Untranslated meeting",
                    "description": "A meeting nobody has described in Spanish.",
                }
            },
        ),
        (
            '{ programme(id: "zz-untranslated-programme") { name description } }',
            {
                "programme": {
                    "name": "Fondo sin traducir",
                    "description": "A fund whose description has no Spanish form.",
                }
            },
        ),
        (
            '{ actor(id: "zz-untranslated-actor") { name nameEs } }',
            {"actor": {"name": "Untranslated Agency", "nameEs": None}},
        ),
    ):
        response = await _spanish(client, query)
        assert response.json() == {"data": expected}
        assert response.headers["content-language"] == "es, en", query
        assert response.headers["language-fallback"] == "en", query
    # Asking only for what is Spanish: nothing fell back.
    spanish = await _spanish(client, '{ programme(id: "zz-untranslated-programme") { name } }')
    assert "language-fallback" not in spanish.headers
    assert spanish.headers["content-language"] == "es"
