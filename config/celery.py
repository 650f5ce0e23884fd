"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shala")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _worker_database_timeouts(**kwargs) -> None:
    """A worker's tasks get the workers' lock and statement timeouts, not the web's.

    ``celeryd_init`` is sent once by ``celery worker`` (any pool) before the pool
    starts, so prefork children inherit the setting and threads see it.
    """
    from config.db_timeouts import use_worker_timeouts

    use_worker_timeouts()
