# The competitor monitor as a container: `monitor run`, the long-running job.
#   docker build -t competitor-monitor .
#   docker run -d --name monitor --restart unless-stopped \
#     -v "$PWD/config:/config:ro" -v monitor-data:/data -v "$PWD/reports:/reports" \
#     --env-file secrets.env competitor-monitor
# The config should say `database: sqlite:////data/monitor.db` and `report: {outbox: /reports}`.
# Host folders Docker creates as root are handed to the user `monitor` by the entrypoint;
# with `--user UID:GID` instead, create them first, owned by that user (README: containers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_CONFIG=/config/monitor.yaml

# tzdata: the digest's schedule runs in report.timezone. Pango and a font: WeasyPrint lays out
# the PDF of the week with them (monitor report --pdf, report.attach: [pdf]).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata libpango-1.0-0 libpangoft2-1.0-0 \
       fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/monitor monitor \
    && mkdir -p /data /reports /config \
    && chown monitor:monitor /data /reports

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY monitor ./monitor
RUN pip install '.[postgresql,fleet]'
COPY deploy/docker-entrypoint.sh /usr/local/bin/monitor-entrypoint

WORKDIR /data
VOLUME ["/data", "/reports"]

# Healthy (exit 0) unless a source fails or is stale, a digest was not delivered, or the
# job's heartbeat (once a minute) is older than two minutes: `docker ps` shows "unhealthy".
HEALTHCHECK --interval=5m --timeout=60s --start-period=3m --retries=2 \
    CMD ["monitor-entrypoint", "monitor", "status", "--json"]

# `docker stop` sends SIGTERM: the harvest in progress finishes, the job exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["monitor-entrypoint"]
CMD ["monitor", "run"]
