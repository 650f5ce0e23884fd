"""Settings the test suite runs with: config.settings, signed with a throwaway key.

config.settings refuses to start with DEBUG off and no SECRET_KEY, and the tests run with
DEBUG off, as production does. A fresh random key per run (unless SECRET_KEY is set)
keeps them honest: nothing can depend on the public development key. It is put into the
environment, so the processes a test starts (a Celery worker, gunicorn) sign with the same.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", f"shala-test-{secrets.token_urlsafe(48)}")

from config.settings import *  # noqa: F403
