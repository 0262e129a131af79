# The sansang image of the province stack (deploy/compose/compose.yaml): the collector and its
# tools (`sansang collector run | file-sd | token new | credential new | import-inventory`).
# Build from the repository root:  docker build -t sansang:0.1.0 .
# (compose builds it by itself: `docker compose build` in deploy/compose).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid/gid: the secret files that must be private to the collector (pgpass) are chowned
# to it on the host (deploy/compose/init-secrets.sh).
RUN groupadd --system --gid 10001 sansang \
    && useradd --system --uid 10001 --gid sansang --home-dir /var/lib/sansang \
       --shell /usr/sbin/nologin sansang \
    && install -d -o sansang -g sansang -m 0755 /var/lib/sansang /var/lib/sansang/file_sd

WORKDIR /src
COPY pyproject.toml README.md ./
COPY sansang ./sansang
COPY agent ./agent
COPY collector ./collector
# The incident playbooks, shipped in the package (sansang/playbook_files links here) and served at
# /playbooks by the collector.
COPY playbooks ./playbooks
RUN pip install ".[collector]" && rm -rf /src

USER sansang
WORKDIR /var/lib/sansang
ENTRYPOINT ["sansang"]
CMD ["collector", "run", "--config", "/etc/sansang/collector.yaml"]
