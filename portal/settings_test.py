"""Settings for the test suite: the production settings with a throwaway key.

``DATABASE_URL`` still decides the database, so the same suite runs on SQLite and on
PostgreSQL. Plain static storage: the manifest storage fails under pytest for want of a
collectstatic manifest.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-not-for-any-real-deployment")

from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run tasks in-process, except a real worker started with this set to false.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("STREETVAX_CELERY_EAGER", "true") != "false"
# Static files come from the finders in tests; there is no collectstatic output to serve.
STATIC_ROOT = None
# Import files the tests check and confirm go to a throwaway folder.
MEDIA_ROOT = tempfile.mkdtemp(prefix="streetvax-test-media-")
# The test client speaks plain HTTP; tests that check HTTPS-only headers ask with
# secure=True. Cookies stay secure and HSTS stays on, as in production.
SECURE_SSL_REDIRECT = False
