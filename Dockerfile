# syntax=docker/dockerfile:1
# Build: resolve the locked runtime dependencies into a virtualenv with uv.
FROM python:3.11-slim-bookworm AS build
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv>=0.5,<1"
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
# The project itself runs from /srv/migov (beside its migrations and data), not site-packages.
RUN uv sync --frozen --no-default-groups --no-install-project

# Runtime: the virtualenv, the migrations and the curated data; no build tools.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/migov \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MIGOV_HOST=0.0.0.0 \
    MIGOV_PORT=8000
RUN groupadd --system --gid 10001 migov \
    && useradd --system --uid 10001 --gid migov --home-dir /srv/migov migov
WORKDIR /srv/migov
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY alembic ./alembic
COPY data ./data
COPY app ./app
RUN mkdir -p var && chown migov:migov var
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('MIGOV_PORT', '8000')}/healthz\", timeout=2)"]
# Migrations first, then the server; exec so uvicorn receives signals directly.
CMD ["sh", "-c", "python -m app migrate && exec python -m app serve --workers ${MIGOV_WORKERS:-2}"]
