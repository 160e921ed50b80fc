# syntax=docker/dockerfile:1
# The production image: web (gunicorn), Celery workers and beat all run from it
# (docker-compose.yml picks the command).

# 1. Front-end assets from npm, pinned by package-lock.json. `make assets` is the one place
#    that says what is copied into static/vendor/ (htmx, MathJax and its fonts).
FROM node:22-bookworm-slim AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY Makefile package.json package-lock.json ./
RUN make assets

# 2. Python dependencies, exactly those pyproject.toml pins, in a virtualenv. A layer of its
#    own: changing the code does not reinstall them.
FROM python:3.11-slim AS python-deps
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
# Optional extras, e.g. COOLPAPERS_EXTRAS=semantic in .env (sentence embeddings, about 1 GB
# more). torch comes first from PyTorch's CPU index: PyPI's build pulls gigabytes of CUDA.
ARG EXTRAS=""
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN if [ -n "$EXTRAS" ]; then \
        python -c "import sys, tomllib; extras = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['optional-dependencies']; print('\n'.join(r for name in sys.argv[1].split(',') for r in extras[name]))" "$EXTRAS" > /tmp/extras.txt \
        && if grep -q '^torch==' /tmp/extras.txt; then \
            /opt/venv/bin/pip install --no-cache-dir --index-url "$TORCH_INDEX_URL" "$(grep '^torch==' /tmp/extras.txt)"; fi \
        && /opt/venv/bin/pip install --no-cache-dir -r /tmp/extras.txt; \
    fi

# 3. The runtime: slim Python, the code owned by root and read-only to the site's user,
#    static files collected into the image (whitenoise serves them, hashed and compressed).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    COOLPAPERS_DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles
RUN useradd --create-home --uid 1000 coolpapers \
    && mkdir -p /data \
    && chown coolpapers:coolpapers /data
COPY --from=python-deps /opt/venv /opt/venv
WORKDIR /app
COPY manage.py gunicorn.conf.py pyproject.toml ./
COPY coolpapers coolpapers
COPY search search
COPY templates templates
COPY static static
COPY --from=assets /build/static/vendor static/vendor
# A throwaway key and data dir: nothing of the build is left in /data (a volume at runtime).
RUN DJANGO_SECRET_KEY=collectstatic-only COOLPAPERS_DATA_DIR=/tmp/build REDIS_URL=redis://unused \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build
USER coolpapers
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "coolpapers.wsgi"]
