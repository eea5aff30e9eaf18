"""The committed interface documents under ``openapi/``: write them, or check for drift.

``python -m app.contracts write`` regenerates; ``check`` exits non-zero on drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.config import Settings
from app.main import create_app

OPENAPI_DIR = Path(__file__).resolve().parents[1] / "openapi"
OPENAPI_JSON = OPENAPI_DIR / "openapi.json"
SCHEMA_GRAPHQL = OPENAPI_DIR / "schema.graphql"


def render_openapi() -> str:
    app = create_app(Settings(_env_file=None))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def render_graphql() -> str:
    from app.graphql.schema import build_schema

    return build_schema().as_str().rstrip() + "\n"


def documents() -> dict[Path, str]:
    return {OPENAPI_JSON: render_openapi(), SCHEMA_GRAPHQL: render_graphql()}


def main(argv: list[str]) -> int:
    action = argv[1] if len(argv) > 1 else "check"
    drifted = []
    for path, text in documents().items():
        if action == "write":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(OPENAPI_DIR.parent)}")  # noqa: T201
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            drifted.append(path.name)
    if drifted:
        print(f"out of date: {', '.join(drifted)}; run `make openapi`", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
