"""Settings read from environment variables, with safe defaults for local use."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: Path) -> str:
    """Return the key kept in the instance folder, creating it on first use.

    A key generated once and stored beside the SQLite database means a local
    install never runs on a hard-coded secret, and restarts keep sessions valid.
    """
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


class Config:
    """Development and default settings. Every value can come from the environment."""

    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Safe & Together e-learning")
    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: generated in the instance folder
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection unused for this long is checked with a round trip before a
    # request uses it (one unused for less is assumed alive: see database.ping_if_idle).
    DATABASE_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS", 2))

    # The largest request body read, in bytes: far more than any form needs, and
    # refused (413) before it is read. Only the CSV upload takes more (see
    # cohorts.routes.UPLOAD_REQUEST_LIMIT).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 256 * 1024))

    # Flask-WTF: a token lasts long enough to write a considered free-text answer.
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("WTF_CSRF_TIME_LIMIT", 8 * 3600))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # An unchanged session's cookie is sent again once it is this old (security.SessionCookie).
    SESSION_RENEW_AFTER_SECONDS = float(os.environ.get("SESSION_RENEW_AFTER_SECONDS", 300))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins only: a training room signing in from one address is not refused.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    RESET_LIMIT_PER_ACCOUNT = os.environ.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    RESET_LIMIT_PER_ADDRESS = os.environ.get("RESET_LIMIT_PER_ADDRESS", "20 per hour")
    CERTIFICATE_CHECK_LIMIT = os.environ.get("CERTIFICATE_CHECK_LIMIT", "30 per 15 minutes")
    # Where report figures, once worked out, are kept for every replica to use; without
    # it each process keeps a few of its own in memory.
    REDIS_URL = os.environ.get("REDIS_URL")
    # Failed join-code and registration posts from one IP address (a whole training
    # room may share one, so accounts made are counted apart, with a higher limit).
    REGISTER_LIMIT_PER_ADDRESS = os.environ.get("REGISTER_LIMIT_PER_ADDRESS", "10 per hour")
    REGISTER_ACCOUNTS_PER_ADDRESS = os.environ.get("REGISTER_ACCOUNTS_PER_ADDRESS", "100 per hour")

    # argon2id cost (RFC 9106 second recommended option: 64 MiB, 3 passes).
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", 4))

    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", 7 * 24 * 3600))
    FIRST_ADMIN_LINK_MAX_AGE = int(os.environ.get("FIRST_ADMIN_LINK_MAX_AGE", 24 * 3600))

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # None: links are shown, not emailed
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USE_TLS = _flag("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "courseapp@localhost")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", 10))
    # Real SMTP always, also under test (Flask-Mailman would otherwise keep test mail
    # in memory): the tests read what a real SMTP server received.
    MAIL_BACKEND = "smtp"
    # How long (seconds) the RQ worker waits before each new try of an email that could
    # not be delivered (the mail server down or refusing for now): about a day in all.
    JOB_RETRY_SECONDS = os.environ.get("JOB_RETRY_SECONDS", "60,300,1800,7200,21600,43200").split(
        ","
    )
    # The hour (UTC) the worker runs the daily sweep of reminders and digests.
    SWEEP_HOUR_UTC = int(os.environ.get("SWEEP_HOUR_UTC", 6))
    # The follow-up test: how many days after a passed post-test the learner is invited,
    # how many questions per area of the model it asks (fewer where the bank has fewer),
    # and how many days after the invitation its one reminder goes.
    FOLLOW_UP_DAYS = int(os.environ.get("FOLLOW_UP_DAYS", 90))
    FOLLOW_UP_ITEMS_PER_AREA = int(os.environ.get("FOLLOW_UP_ITEMS_PER_AREA", 2))
    FOLLOW_UP_REMINDER_DAYS = int(os.environ.get("FOLLOW_UP_REMINDER_DAYS", 14))
    # Imports with more learners than this are confirmed by a job, not in the request.
    IMPORT_JOB_THRESHOLD = int(os.environ.get("IMPORT_JOB_THRESHOLD", 200))
    # Report exports of a row per learner (or per answer) over more learners than this
    # are built by a job, not while the coordinator waits.
    EXPORT_JOB_THRESHOLD = int(os.environ.get("EXPORT_JOB_THRESHOLD", 2000))
    # How long a file a job made (a ZIP of certificates, a large export) can be downloaded.
    JOB_FILE_MAX_AGE_HOURS = float(os.environ.get("JOB_FILE_MAX_AGE_HOURS", 24))

    # How many reverse proxies (TLS terminator, load balancer) sit in front of the app.
    # With 0, X-Forwarded-* headers are ignored; set it to the real number in
    # production so that login throttling sees each person's address and links use https.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    POST_TEST_ATTEMPTS = int(os.environ.get("POST_TEST_ATTEMPTS", 3))
    # A module's knowledge check counts (and so the module can be complete) only once the
    # module has been open this share of its reading time (content.timing), so that a
    # module clicked through in seconds is not counted as done. 0 turns it off.
    MODULE_MINIMUM_READING_SHARE = float(os.environ.get("MODULE_MINIMUM_READING_SHARE", 1 / 3))
    # The least time a pre- or post-test takes to read: this many seconds for each scored
    # question, from when it was started. A pre-test submitted sooner cannot show where
    # the learner started, so the reports leave it out of every pre-test figure and of
    # the gain (it still counts as taken); a post-test cannot be submitted sooner, so that
    # a certificate is never earned by clicking through. 0 turns both off.
    TEST_SECONDS_PER_QUESTION = float(os.environ.get("TEST_SECONDS_PER_QUESTION", 5))
    TEST_PAGE_SIZE = int(os.environ.get("TEST_PAGE_SIZE", 5))
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", 30000))
    # Test attempts, rewordings and CSV uploads older than this are removed by `flask purge`.
    ATTEMPT_RETENTION_DAYS = int(os.environ.get("ATTEMPT_RETENTION_DAYS", 730))
    # Single sign-on: the Fernet key that encrypts providers' client secrets (required
    # in production; elsewhere derived from SECRET_KEY), and how long to wait for a provider.
    SSO_ENCRYPTION_KEY = os.environ.get("SSO_ENCRYPTION_KEY")
    SSO_HTTP_TIMEOUT = int(os.environ.get("SSO_HTTP_TIMEOUT", 10))
    # How long database backups are kept before they are destroyed: the privacy notice
    # says that an erased account is in backups until then. Match it to your backups.
    BACKUP_RETENTION_DAYS = int(os.environ.get("BACKUP_RETENTION_DAYS", 35))
    HSTS = False
    REQUIRE_SECRET_KEY = False
    # The site's public address: every absolute link (emails, PDFs, links to pass on)
    # is built from it, never from the request's Host header (see courseapp.links).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    EXIT_URL = os.environ.get("EXIT_URL", "https://www.bbc.co.uk/weather")
    CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", PROJECT_ROOT / "content"))
    QUIZZES_DIR = Path(os.environ.get("QUIZZES_DIR", PROJECT_ROOT / "quizzes"))
    # The built static files (scripts/build-assets.mjs): public/ is served under /static/,
    # manifest.json maps each file's plain name to its fingerprinted one.
    STATIC_DIST = Path(os.environ.get("STATIC_DIST", PROJECT_ROOT / "static" / "dist"))
    # The source documents the course is written from, for `flask content check`'s
    # own-words check (skipped with a notice when the folder is absent).
    SEEDS_DIR = Path(os.environ.get("SEEDS_DIR", PROJECT_ROOT.parent / "shared" / "seeds"))
    # Refuse to start with broken content. Off in development so that
    # `flask content check` can list the problems; `flask setup` runs that check.
    CONTENT_STRICT = _flag("CONTENT_STRICT", False)


class ProductionConfig(Config):
    REQUIRE_SECRET_KEY = True
    CONTENT_STRICT = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True


class TestConfig(Config):
    TESTING = True
    REDIS_URL = None  # tests that use Redis say so (TEST_REDIS_URL)
    RATELIMIT_ENABLED = False
    MODULE_MINIMUM_READING_SHARE = 0.0  # tests of the rule turn it on
    TEST_SECONDS_PER_QUESTION = 0.0  # likewise: test set-ups answer in an instant
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("COURSEAPP_ENV", "development")]
