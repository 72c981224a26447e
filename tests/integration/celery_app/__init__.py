"""The Celery app test_celery.py runs: Cinnabar (or Redis) as broker (db 0) and result backend
(db 1), configured the way applications do it, by URL. The worker subprocess gets the URLs from
the environment; the test process sets the same URLs with app.conf.update() before first use."""
import os

from celery import Celery
from kombu import Queue
from kombu.common import Broadcast

# Every worker consumes this queue (a unique kombu queue bound to the fanout exchange "bcast").
bcast_queue = Broadcast("bcast")

app = Celery("celery_app", include=["celery_app.tasks"])
app.conf.update(
    broker_url=os.environ.get("CINNABAR_CELERY_BROKER_URL"),
    result_backend=os.environ.get("CINNABAR_CELERY_RESULT_BACKEND"),
    # The default queue plus a broadcast (fanout) queue every worker consumes; over Redis kombu
    # delivers fanout messages with PUBLISH to subscribers of a PSUBSCRIBE pattern.
    task_default_queue="celery",
    task_queues=(Queue("celery"), bcast_queue),
    task_routes={"celery_app.tasks.record_worker": {"queue": "bcast"}},
    result_expires=600,
    # Fail fast instead of retrying for a long time when the server misbehaves.
    broker_connection_timeout=5,
    broker_connection_max_retries=3,
    redis_socket_connect_timeout=5,
)
