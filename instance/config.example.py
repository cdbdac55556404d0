# Copy to instance/config.py and adjust. Every key can also be set as an environment
# variable with the FLASK_ prefix (FLASK_SQLALCHEMY_DATABASE_URI=...), which wins.

# PostgreSQL in production (psycopg 3); SQLite in instance/ when unset.
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://pulse@db.internal/pulse"
# SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 5, "pool_pre_ping": True}

# What QR codes and posters print; the address residents' phones can reach.
# PUBLIC_BASE_URL = "https://pulse.example.gov"

# Shared by every app server: pair keys are HMACs under it. Generate with
#   python -c "import secrets; print(secrets.token_hex(32))"
# SECRET_KEY = "..."

# Rate-limit counters: Redis when several app servers share the limits.
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"

# Behind one reverse proxy (nginx, a load balancer) that sets X-Forwarded-For/-Proto:
# PROXY_FIX_X_FOR = 1

# Suppression thresholds.
# MIN_GROUP_SIZE = 10
# EXPORT_K = 5
