# The same steps `make run` performs: install (CPU torch first), provision the model, index, run.
FROM python:3.11-slim

# A CPU-only torch keeps the image small: pass the PyTorch CPU wheel index as a build argument
# (docker build --build-arg PIP_EXTRA_INDEX_URL=...); without it pip takes PyPI's default build.
ARG PIP_EXTRA_INDEX_URL=""
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
HEALTHCHECK --interval=60s --timeout=20s CMD .venv/bin/newsbot index --status > /dev/null || exit 1
CMD ["make", "run"]
