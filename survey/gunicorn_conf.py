"""Gunicorn settings for production serving: `make serve` or `gunicorn -c <this file> wsgi:app`.

Every value can be changed from the environment without editing this file:

- GUNICORN_BIND (default 127.0.0.1:8000): put nginx or a load balancer in front; binding to
  loopback keeps the app unreachable except through it.
- WEB_CONCURRENCY (default 2 x cores + 1): worker processes. Each builds its own app, database
  engine and connection pool after the fork (preload is off), so no connection is shared.
- GUNICORN_THREADS (default 1): more than 1 switches to threaded workers.
- GUNICORN_TIMEOUT (default 30): seconds before a stuck worker is killed and replaced.
- GUNICORN_ACCESS_LOG (default "-", standard output; "" disables it).

Privacy (DESIGN.md): the access log records time, method, path (no query string), status,
size and duration, never the client address, user agent or referrer; gunicorn's own warning
about malformed requests has its client address removed before it is written.
"""

import multiprocessing
import os
import re
from typing import Any

from gunicorn import glogging


def _int_env(name: str, default: int) -> int:
    """Return an integer setting from the environment, the default when unset or blank."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _int_env("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int_env("GUNICORN_THREADS", 1)

# Each worker imports the app itself: a database engine created before fork() would share
# its sockets (and SQLite file handles) between processes.
preload_app = False

# A survey request takes milliseconds; 30 s only catches a stuck worker. Graceful shutdown
# lets in-flight submissions finish on deploys.
timeout = _int_env("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow through a long evening.
max_requests = 2000
max_requests_jitter = 200

# Request limits checked before the app sees anything: 414 for a longer request line,
# 400 for too many or too large headers. The app's own limits (64 KiB body) come after.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Whom to believe about X-Forwarded-*: nobody at this layer. The app's ProxyFix, switched on
# by PROXY_FIX_X_FOR, is the single place that decides how many proxy hops are trusted;
# gunicorn's default would trust X-Forwarded-Proto from any local process.
forwarded_allow_ips = ""

# Access log without %(h)s (client address), %(a)s (user agent), %(f)s (referrer) or %(q)s
# (query string): residents' addresses are never written anywhere.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def when_ready(server: Any) -> None:
    """Import TextBlob's lexicon once in the master, before any worker is forked.

    Every worker, including those recycled by max_requests during the evening, inherits it at
    fork, so no resident's submit waits 1.5–5 s for the import. It opens no database or
    socket, so it is safe with preload_app off.
    """
    from survey.sentiment.scoring import load_lexicon

    load_lexicon()


CLIENT_ADDRESS_RE = re.compile(r"ip=\S+")


class PrivateLogger(glogging.Logger):
    """Gunicorn's logger with client addresses removed from its own messages.

    Gunicorn writes "Invalid request from ip=<address>: ..." when a client sends a malformed
    request; the address is replaced so no resident's IP lands in the error log.
    """

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Log a warning with any `ip=<address>` replaced by `ip=-`."""
        super().warning(CLIENT_ADDRESS_RE.sub("ip=-", str(msg)), *args, **kwargs)


logger_class = PrivateLogger

# Gunicorn 25+ opens a control socket at one fixed path per user, which two servers on one
# machine would fight over; enable it by giving GUNICORN_CONTROL_SOCKET a path.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
