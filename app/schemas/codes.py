"""The codes and ids every part of migov writes the same way: curated files, write
requests and answers alike."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
ForumCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$", max_length=32)
]
ActorId = Annotated[
    str, StringConstraints(pattern=r"^(?:[A-Z]{3}|[a-z0-9]+(?:-[a-z0-9]+)*)$", max_length=64)
]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

ISO3 = re.compile(r"^[A-Z]{3}$")
