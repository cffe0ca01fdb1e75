"""Loaded by pytest before Django (pytest.ini: -p tests.environment): the settings the test run needs."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "confer-test-secret-key")
os.environ.setdefault("ROOM_TOKEN_SECRET", "confer-test-room-token-secret-0123456789abcdef")
os.environ.setdefault("CONFER_VAR_DIR", tempfile.mkdtemp(prefix="confer-test-var-"))
os.environ.pop("REDIS_URL", None)
os.environ.pop("DATABASE_URL", None)
