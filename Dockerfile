# Metarr: web UI + REST API + workers (`metarr serve`), or workers only (`metarr worker`).
#   docker build -t metarr .
#   docker run -p 3000:3000 -v metarr-data:/data -v /srv/media:/media metarr
# For PostgreSQL and several workers see docker-compose.yml.
FROM python:3.11-slim

# ffprobe (from ffmpeg) reads the stream details of new and changed videos
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY metarr ./metarr
COPY actors ./actors
COPY web ./web
RUN pip install . && rm -rf /app/metarr /app/actors /app/web

# not root: the cache, database and logs live in /data; the media folders must be writable by
# this uid (publish writes NFOs and artwork next to the videos), so match it to the owner or use
# `--user` / compose `user:`
RUN useradd --system --uid 1000 --user-group --home-dir /data --no-create-home metarr \
    && mkdir -p /data \
    && chown metarr:metarr /data
USER metarr

ENV METARR_DATA_DIR=/data \
    METARR_HOST=0.0.0.0 \
    METARR_PORT=3000
VOLUME ["/data"]
EXPOSE 3000

# /api/v1/health is the one unauthenticated endpoint; there is no curl in the slim image.
# (`metarr worker` has no web server: compose turns this check off for workers.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('METARR_PORT', '3000') + '/api/v1/health', timeout=4)" || exit 1

CMD ["metarr", "serve"]
