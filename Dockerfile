# syntax=docker/dockerfile:1
# gitops-bot as a container: one-shot (`update`, e.g. a Kubernetes CronJob) or long-running
# (`watch`, with /healthz, /readyz and /metrics on :8080).
#
#   docker build -t gitops-bot .
#   docker run --rm -e GITHUB_TOKEN gitops-bot update --repo https://github.com/acme/gitops.git
#   docker run -d -p 8080:8080 -e GITHUB_TOKEN -v gitops-bot-cache:/cache gitops-bot watch --repo ...

ARG PYTHON_VERSION=3.11.11

# -- wheel: the package's wheel, built once with the locked build backend --
# A release passes the wheel it publishes to PyPI as the build context named `wheel`
# (`docker buildx build --build-context wheel=DIR`, DIR holding dist/gitops_bot-*.whl): a build
# context named like a stage replaces that stage, so this stage is skipped and the image holds
# exactly the PyPI wheel. A plain `docker build` builds it here.
FROM python:${PYTHON_VERSION}-slim-bookworm AS wheel
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    UV_CACHE_DIR=/root/.cache/uv UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /src
# The installer, uv, pinned by version and hash (requirements/installer.lock).
COPY requirements ./requirements
RUN python -m pip install --no-compile --no-deps --require-hashes --target /opt/uv \
      -r requirements/installer.lock
COPY pyproject.toml README.md ./
COPY gitops_bot ./gitops_bot
# The build backend (uv_build) from requirements/build.lock, every file checked against its
# hash, as the release builds the wheel it publishes.
RUN --mount=type=cache,target=/root/.cache/uv \
    PYTHONPATH=/opt/uv python -m uv build --wheel --python python --require-hashes \
      --build-constraints requirements/build.lock --out-dir /dist .

# -- build: the locks and the wheel installed into a virtualenv --
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    UV_CACHE_DIR=/root/.cache/uv UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /src
# The installer, uv, pinned by version and hash (requirements/installer.lock), outside the venv
# that ships.
COPY requirements.lock ./
COPY requirements ./requirements
RUN python -m pip install --no-compile --no-deps --require-hashes --target /opt/uv \
      -r requirements/installer.lock
# Dependencies exactly as locked, each file checked against its hash (made by scripts/lock.sh):
# the runtime's lock plus the `keyless`, `aws`, `gcp` and `http2` extras' locks, so images signed
# keyless can be verified, ECR and Artifact Registry read with the pod's workload identity and a
# registry's `http2: true` honoured in the image, where nobody can add an extra later.
# Byte-compiled here, so no start of the container compiles them (and its user could not write
# the .pyc files). The venv has no pip: nothing in
# the image installs anything. uv's cache lives in a BuildKit cache mount: a rebuild after a lock
# change downloads only what changed, and the cache never lands in a layer.
RUN --mount=type=cache,target=/root/.cache/uv \
    python -m venv --without-pip /opt/gitops-bot \
 && PYTHONPATH=/opt/uv python -m uv pip install --python /opt/gitops-bot/bin/python \
      --no-deps --require-hashes --compile-bytecode \
      -r requirements.lock -r requirements/keyless.lock -r requirements/aws.lock -r requirements/gcp.lock \
      -r requirements/http2.lock
# The package: the wheel stage's wheel (or the release's, see above), installed without
# resolving anything; `uv pip check` fails the build if the locks no longer fit it.
COPY --from=wheel /dist/gitops_bot-*.whl ./dist/
RUN PYTHONPATH=/opt/uv python -m uv pip install --python /opt/gitops-bot/bin/python \
      --no-deps --compile-bytecode dist/gitops_bot-*.whl \
 && PYTHONPATH=/opt/uv python -m uv pip check --python /opt/gitops-bot/bin/python

# -- runtime: python, git, CA certificates, ssh and gpg (commit signing); no compilers, no pip cache --
# google-re2 (a policy's regular expressions, from the lock) links libstdc++, which this base
# image has (its apt needs it).
FROM python:${PYTHON_VERSION}-slim-bookworm
# The base image is pinned by version; Debian packages are not, on purpose: bookworm replaces a
# package's version on every security update, so an exact pin breaks the build instead of
# patching it.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client gnupg \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /home/gitops-bot --create-home gitops-bot \
 && mkdir /cache && chown gitops-bot:gitops-bot /cache
COPY --from=build /opt/gitops-bot /opt/gitops-bot
ENV PATH=/opt/gitops-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GITOPS_BOT_CACHE=/cache \
    GIT_TERMINAL_PROMPT=0
USER 10001:10001
WORKDIR /home/gitops-bot
VOLUME ["/cache"]
EXPOSE 8080
# Meaningful in watch mode (the endpoint only exists there); a one-shot run ends before it matters.
HEALTHCHECK --interval=30s --timeout=5s --start-period=2m --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["gitops-bot"]
CMD ["--help"]
