"""The /v1 index shape: where each resource lives."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ResourceLink(BaseModel):
    name: str = Field(description="Resource name, e.g. `forums`.")
    href: str = Field(description="Path of the resource, relative to the server.")
    description: str


class ApiIndex(BaseModel):
    name: str
    version: str = Field(description="Version of the service (not of the dataset: see `meta`).")
    resources: list[ResourceLink] = Field(description="Each REST resource under /v1.")
    links: dict[str, str] = Field(
        description="Other entry points: GraphQL, the OpenAPI document, the docs, the dashboard."
    )
