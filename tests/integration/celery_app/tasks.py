"""Tasks for test_celery.py."""
import os

import redis

from celery_app import app


@app.task
def add(x, y):
    return x + y


@app.task
def after_release(key, value):
    """Returns `value` once the test pushed to the list `key` (BLPOP in the database
    CINNABAR_CELERY_RECORD_URL names): the test releases it while it waits in get()."""
    client = redis.Redis.from_url(os.environ["CINNABAR_CELERY_RECORD_URL"])
    try:
        if client.blpop(key, timeout=30) is None:
            raise RuntimeError(f"{key} was not released")
    finally:
        client.close()
    return value


@app.task
def tsum(numbers):
    return sum(numbers)


@app.task(bind=True, ignore_result=True)
def record_worker(self, token):
    """Runs on every worker consuming the broadcast queue: records the worker's node name
    (the -n name) in the list bcast:<token> in the database CINNABAR_CELERY_RECORD_URL names."""
    client = redis.Redis.from_url(os.environ["CINNABAR_CELERY_RECORD_URL"])
    try:
        client.rpush(f"bcast:{token}", self.request.hostname)
    finally:
        client.close()
