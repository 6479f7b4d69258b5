# The same install as ./ocop up: Debian packages for GDAL/GEOS/PROJ and gettext, then the project from
# pyproject.toml, browser assets from npm, translations compiled at build time, static files collected,
# served by gunicorn.

# Browser assets (Leaflet-Geoman): the same `npm ci` from package-lock.json as ./ocop, with Debian's nodejs/npm.
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=gis_ocop.settings
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin binutils libproj-dev gettext postgresql-client fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gis_ocop ./gis_ocop
COPY apps ./apps
RUN pip install --no-cache-dir -e .
COPY . .
# Only the folder settings.STATICFILES_DIRS serves.
COPY --from=assets /assets/node_modules/@geoman-io/leaflet-geoman-free/dist ./node_modules/@geoman-io/leaflet-geoman-free/dist
# Build-time only values: settings refuse to load without a database URL and a real key.
RUN DATABASE_URL=postgis://build:build@localhost/build SECRET_KEY=build-only DEBUG=0 \
    sh -c "python manage.py compilemessages --ignore=.venv && python manage.py collectstatic --noinput -v 0"

RUN useradd --system --uid 10001 ocop && mkdir -p /app/media && chown ocop /app/media
USER ocop
EXPOSE 8000
# 2 × cores + 1 sync workers (one request at a time per process): every request waits in one shared queue for the
# next free worker, the shape `./ocop bench resolve` measures. Serve it behind the TLS-terminating reverse proxy
# (nginx, Caddy, a load balancer) that buffers slow clients, as gunicorn's documentation asks for sync workers.
# WEB_CONCURRENCY sets the number of workers; GUNICORN_WORKER_CLASS=gthread (with GUNICORN_THREADS) keeps
# connections alive instead, for a server exposed without such a proxy. A sync worker cannot signal that it is alive
# while it streams a response, so the timeout (GUNICORN_TIMEOUT, seconds) must cover the longest download: a
# stamp sheet of 10,000 codes takes about a minute on 2 cores.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn gis_ocop.wsgi --bind 0.0.0.0:8000 --worker-class ${GUNICORN_WORKER_CLASS:-sync} --workers ${WEB_CONCURRENCY:-$((2 * $(nproc) + 1))} --threads ${GUNICORN_THREADS:-1} --timeout ${GUNICORN_TIMEOUT:-300} --access-logfile -"]
