"""gunicorn settings for the production web service (docker-compose.yml, bench/load.py).

Sized for a 2-core machine: 3 worker processes (cores + 1) keep both cores busy while one
worker waits on PostgreSQL or Redis, and 2 threads each let a worker overlap such waits
without a process's memory per extra request. Override with WEB_CONCURRENCY and
GUNICORN_THREADS on bigger machines.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# With gthread workers this is NOT a request timeout: the arbiter replaces a worker only when its
# main loop stops checking in, and that loop keeps running while a request thread is busy (a
# search ran past 240 s, issue 20). It catches a wedged worker process. What bounds a request's
# CPU is inside the application: every search stops at SEARCH_TIME_BUDGET (5 s) and answers 503
# with Retry-After (search.backends.base.check_deadline, checked in the engines' loops), and
# spelling suggestions cost about a millisecond whatever the word (search.backends.spelling).
timeout = 30
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then so slow growth (caches, fragmentation) cannot build up.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Management goes through docker (restart, scale), not gunicorn's control socket.
control_socket_disable = True
