"""The job queue (Huey): where its queue lives, chosen by configuration.

- ``SHOUDI_REDIS_URL`` set: the queue lives in Redis, so consumers on any number of machines
  share it (production).
- otherwise: a SQLite file (``SHOUDI_QUEUE_FILE``, by default ``queue.db`` in the instance
  folder), so ``make run`` needs no other service.
- ``SHOUDI_JOBS_IMMEDIATE`` (the tests): tasks run at once in the enqueuing process.

Tasks are registered by the application factory (``shoudi.queue``), which gives each of them
an application context of its own.
"""
from __future__ import annotations

import os

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

QUEUE_NAME = "shoudi"
QUEUE_EXTENSION = "shoudi_queue"


def make_queue(config: dict) -> Huey:
    # results=False: callers watch the job table, not Huey's result store, which would only grow.
    if config.get("SHOUDI_JOBS_IMMEDIATE"):
        return MemoryHuey(QUEUE_NAME, immediate=True, results=False)
    redis_url = config.get("SHOUDI_REDIS_URL")
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, results=False)
    os.makedirs(os.path.dirname(os.path.abspath(config["SHOUDI_QUEUE_FILE"])), exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=config["SHOUDI_QUEUE_FILE"], results=False)
