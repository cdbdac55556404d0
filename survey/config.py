"""Safe defaults. No secrets live here: SECRET_KEY comes from instance/ or the environment."""

from datetime import timedelta

# The database; create_app() points the default at SQLite inside instance/.
SQLALCHEMY_DATABASE_URI: str | None = None
# create_app() adds pool_pre_ping for PostgreSQL, whose server can drop a pooled connection;
# a SQLite file cannot, so it skips the extra SELECT 1 on every checkout.
SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
# SQLite only: how long a writer waits for another's lock before the resident sees the 503
# "busy, press Submit again" page. A submit holds the lock for milliseconds, so 10 s is ample.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# The Retry-After (seconds) of the 503 page shown when the database is locked or away.
BUSY_RETRY_AFTER_SECONDS = 5

# The absolute base that QR codes and printed links encode, e.g. "https://pulse.example.gov".
# Without it, links are built from the request's own host (fine on one machine).
PUBLIC_BASE_URL: str | None = None

# Groups smaller than this are never shown; export cells are generalized until every
# quasi-identifier combination holds at least EXPORT_K residents (a before/after pair once).
MIN_GROUP_SIZE = 10
EXPORT_K = 5

# Flask-Limiter: counters live outside the database and expire on their own.
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = "memory://"
# A Redis outage must not turn residents' submissions into 500s: count in memory meanwhile.
RATELIMIT_SWALLOW_ERRORS = True
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_HEADERS_ENABLED = True
# 200 residents behind one event Wi-Fi submit within a minute or two; a script does not stop.
RESIDENT_POST_LIMIT = "240 per minute;2000 per hour"
LOGIN_LIMIT = "10 per 5 minutes"

# Set to the number of proxies in front of the app (e.g. 1 behind nginx); 0 trusts none,
# so a spoofed X-Forwarded-For cannot move a client to another rate-limit bucket.
PROXY_FIX_X_FOR = 0

# Pairing cookie: a random id that lets a phone's before and after answers share a key.
PAIR_COOKIE_NAME = "cp_pair"
PAIR_COOKIE_MAX_AGE = int(timedelta(days=30).total_seconds())

# Seconds the kiosk thank-you page waits before returning to a fresh form.
KIOSK_RESET_SECONDS = 6

# Largest request body; a full survey with two 1,000-character comments is ~10 KB.
MAX_CONTENT_LENGTH = 64 * 1024
MAX_FORM_PARTS = 200

# A form left open an hour still submits: an expired CSRF token re-renders with answers kept.
WTF_CSRF_TIME_LIMIT = 3600
WTF_CSRF_SSL_STRICT = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
STAFF_IDLE_TIMEOUT = timedelta(minutes=30)
REMEMBER_COOKIE_DURATION = timedelta(hours=12)

BABEL_DEFAULT_LOCALE = "en"
LANGUAGES = ("en", "es")

# Static files are fingerprinted (?v=hash), so they can be cached for a year.
SEND_FILE_MAX_AGE_DEFAULT = int(timedelta(days=365).total_seconds())
