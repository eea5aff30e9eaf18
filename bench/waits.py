"""What the database's backends wait on while a load runs (PostgreSQL only).

    python -m bench.waits DATABASE_URL SECONDS

Samples ``pg_stat_activity`` for the database four times a second and prints, per
state and wait event, the average number of backends found in it: under a write load,
``Lock: transactionid`` is backends queued behind another transaction's row lock (the
start of the waiting statement says which row: ``UPDATE data_version``, say), and
``Client: ClientRead`` with ``idle in transaction`` a transaction held open while the
application does other work.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

import asyncpg
from sqlalchemy.engine import make_url

from bench import data

SAMPLE = r"""
SELECT state, coalesce(wait_event_type || ': ' || wait_event, 'running')
    || CASE WHEN wait_event_type = 'Lock'
        THEN ' (' || left(btrim(regexp_replace(query, '\s+', ' ', 'g')), 36) || ')' ELSE '' END
    AS waiting
FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'
"""


async def sample(url: str, seconds: float, every: float = 0.25) -> tuple[Counter[str], int]:
    connection = await asyncpg.connect(data.dsn(url))
    counts: Counter[str] = Counter()
    samples = 0
    try:
        database = make_url(url).database
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for row in await connection.fetch(SAMPLE, database):
                counts[f"{row['state']} | {row['waiting']}"] += 1
            samples += 1
            await asyncio.sleep(every)
    finally:
        await connection.close()
    return counts, samples


def main() -> None:
    url, seconds = sys.argv[1], float(sys.argv[2])
    counts, samples = asyncio.run(sample(url, seconds))
    print(f"backends not idle, by state and wait event ({samples} samples, average per sample):")
    for name, count in counts.most_common(8):
        print(f"  {count / max(samples, 1):6.2f}  {name}")


if __name__ == "__main__":
    main()
