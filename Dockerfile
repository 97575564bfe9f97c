# The slim Python image, pinned by digest, written out literally on the FROM line: Dependabot
# updates only a FROM it can read (not an ARG default, dependabot-core #2057, #10190). Offline
# tests build on a Debian image made locally with debootstrap by rewriting this one line in a copy
# of the build context (tests/support/docker.py), so the digest is written nowhere else.
FROM python:3.12-slim@sha256:804ddf3251a60bbf9c92e73b7566c40428d54d0e79d3428194edf40da6521286

# Fixed IDs so that volume permissions and `docker run --user` checks are predictable.
ARG APP_UID=10001
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app

# Everything that does not depend on our source sits above the COPY, so that a change to
# sample_app/ rebuilds only the last layers. sample_app needs nothing outside the standard
# library; a runtime dependency would be installed here, from a hashed requirements file.
RUN groupadd --system --gid "${APP_UID}" app \
 && useradd --system --no-log-init --uid "${APP_UID}" --gid app --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app
# Owned by root and not writable by the service: the container can run with a read-only root.
COPY sample_app/ /app/sample_app/
# Bytecode compiled at build time: at run time the root filesystem is read-only.
RUN python -m compileall -q /app/sample_app

ARG VERSION=0.0.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/example/sample-app
LABEL org.opencontainers.image.title="sample_app" \
      org.opencontainers.image.description="Adds the numbers it is given" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT"

USER ${APP_UID}:${APP_UID}
ENTRYPOINT ["python", "-m", "sample_app"]
CMD ["--help"]
