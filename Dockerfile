# The same steps `make run` performs: install (CPU torch first), provision the model, index, run.
FROM python:3.11-slim

# A CPU-only torch keeps the image small: the PyTorch CPU wheel index is searched beside PyPI
# (override with --build-arg PIP_EXTRA_INDEX_URL=... for a mirror).
ARG PIP_EXTRA_INDEX_URL="https://download.pytorch.org/whl/cpu"
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    NEWSBOT_DATA_DIR=/data NEWSBOT_MODEL_DIR=/opt/newsbot/models

RUN apt-get update && apt-get install -y --no-install-recommends make gcc \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 newsbot \
    && mkdir -p /data /opt/newsbot && chown newsbot:newsbot /data /opt/newsbot

WORKDIR /app
COPY --chown=newsbot:newsbot . /app
USER newsbot
RUN make setup && make model

VOLUME ["/data"]
# Healthy when the live index is current and the bot's event loop beats (milliseconds; webhook
# mode also serves GET /health). The start period covers the first indexing.
HEALTHCHECK --interval=60s --timeout=10s --start-period=15m \
    CMD .venv/bin/newsbot health || exit 1
CMD ["make", "run"]
