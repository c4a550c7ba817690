# One image for every coachplan process: the worker (the default command), the web app
# (`coachplan web`) and the one-shot operator commands (`coachplan db upgrade`,
# `coachplan schedules ensure`, `coachplan keys ...`). docker-compose.yml runs each of them.
#
# The base is pinned to an exact Python release on an exact Debian release. Pin it further to
# its digest (`python:3.11.14-slim-bookworm@sha256:...`, from `docker buildx imagetools
# inspect python:3.11.14-slim-bookworm`) where you build: a tag can be pushed again, a
# digest cannot. The digest is not written here because it can only be read from the
# registry at build time, and a made-up one would break every build.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/coachplan
WORKDIR /src
# Only what the package is built from (see [tool.setuptools] in pyproject.toml): no tests, no
# development extras, no local data.
COPY pyproject.toml README.md worker.py ./
COPY coaching ./coaching
COPY workflows ./workflows
COPY activities ./activities
COPY integrations ./integrations
COPY starter ./starter
COPY store ./store
COPY web ./web
RUN /opt/coachplan/bin/pip install . && /opt/coachplan/bin/coachplan --help >/dev/null

FROM ${PYTHON_IMAGE}
# A fixed, unprivileged uid: secret files mounted into the container must be readable by it
# (docs/operations.md), and it owns nothing but the data folder.
RUN groupadd --system --gid 10001 coachplan \
    && useradd --system --uid 10001 --gid coachplan --home-dir /var/lib/coachplan \
       --no-create-home --shell /usr/sbin/nologin coachplan \
    && mkdir -p /var/lib/coachplan \
    && chown coachplan:coachplan /var/lib/coachplan
COPY --from=build /opt/coachplan /opt/coachplan
ENV PATH=/opt/coachplan/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COACHPLAN_DATA_DIR=/var/lib/coachplan \
    COACHPLAN_WEB_HOST=0.0.0.0
WORKDIR /var/lib/coachplan
USER coachplan:coachplan
EXPOSE 8000
# The worker stops gracefully on SIGTERM (running activities get 10 seconds), as does the web app.
STOPSIGNAL SIGTERM
CMD ["coachplan-worker"]
