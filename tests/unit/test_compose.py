"""deploy/compose: the province stack's compose file, checked as far as real tools allow without
a Docker daemon (CI validates the stack, it does not start it).

* ``compose.yaml`` against the Compose Specification's JSON schema (``check-jsonschema
  --builtin-schema vendor.compose-spec``), and a broken copy is refused;
* every service, network, volume and secret it references is defined; every file it mounts is
  in the repository or made by the README's steps (``init-secrets.sh``, ``province/``);
* each service's mounts are laid out in a throwaway root (symlinks to the repository's files,
  named volumes as directories, secrets made by ``init-secrets.sh``) and its config is checked
  there by the real checker: ``sansang collector file-sd`` (the ``file-sd`` service's command)
  writes the targets, ``promtool check config`` reads Prometheus' config with the rules beside it
  as mounted (and with ``deploy/prometheus/remote-write.yml`` pasted in), ``amtool
  check-config`` the Alertmanager's, the collector's own loader (collector/config.py) its config,
  tokens, credentials and inventory;
* Grafana's datasource is the Prometheus service at its port, its dashboards directory the one
  mounted; the Dockerfile's instructions are known ones, its COPY sources exist and pass
  ``.dockerignore``, and the package builds from exactly those files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from ruamel.yaml import YAML
from sqlalchemy.engine import make_url

from collector import config as collector_config
from collector import tokens
from collector.ingest import credentials
from collector.inventory import model
from tests.support import yaml_writer

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "deploy" / "compose"
COMPOSE = DIR / "compose.yaml"
README = DIR / "README.md"
EXAMPLE_INVENTORY = ROOT / "deploy" / "examples" / "inventory.yaml"
REMOTE_WRITE = ROOT / "deploy" / "prometheus" / "remote-write.yml"
# Made on the province's server by the README's steps, never committed (deploy/compose/.gitignore).
CREATED = ("secrets", "province", ".env")
COLLECTOR_UID = 10001

needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool not found: apt-get install -y prometheus"
)
needs_amtool = pytest.mark.skipif(
    shutil.which("amtool") is None,
    reason="amtool not found: apt-get install -y prometheus-alertmanager",
)


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = load(COMPOSE)
    return doc


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def interpolate(text: str) -> str:
    """Compose's ``${VAR:-default}`` with no .env: the default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def mounts(service: str) -> Iterator[tuple[str, str]]:
    """(source, target) of the service's volumes; a source is ``./``/``../`` or a named volume."""
    for entry in services()[service].get("volumes", []):
        source, target, *_ = entry.split(":")
        yield source, target


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- the file itself ---------------------------------------------------------------------------


def test_compose_file_is_valid_for_the_compose_specification(tmp_path: Path) -> None:
    proc = check_jsonschema(COMPOSE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = tmp_path / "compose.yaml"
    broken.write_text(
        COMPOSE.read_text(encoding="utf-8").replace(
            "    restart: unless-stopped\n", "    restart: [no]\n", 1
        ),
        encoding="utf-8",
    )
    proc = check_jsonschema(broken)
    assert proc.returncode != 0 and "restart" in proc.stdout, proc.stdout


def test_every_reference_is_defined() -> None:
    doc = compose()
    for name, svc in doc["services"].items():
        for dep in svc.get("depends_on", {}):
            assert dep in doc["services"], (name, dep)
        for net in svc.get("networks", []):
            assert net in doc["networks"], (name, net)
        for secret in svc.get("secrets", []):
            assert secret in doc["secrets"], (name, secret)
        for source, _ in mounts(name):
            if not source.startswith("."):
                assert source in doc["volumes"], (name, source)
    used = {s for svc in doc["services"].values() for s in svc.get("secrets", [])}
    assert used == set(doc["secrets"])


def test_every_mounted_file_exists_or_is_made_by_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    sources = [s for name in services() for s, _ in mounts(name) if s.startswith(".")]
    sources += [s["file"] for s in compose()["secrets"].values()]
    for source in sources:
        path = (DIR / source).resolve()
        relative = path.relative_to(DIR) if path.is_relative_to(DIR) else None
        if relative is not None and relative.parts[0] in CREATED:
            assert relative.parts[0] + "/" in readme, f"README does not say how to make {source}"
        else:
            assert path.exists(), source
    ignored = (DIR / ".gitignore").read_text(encoding="utf-8").split()
    assert {f"/{c}/" if c != ".env" else f"/{c}" for c in CREATED} <= set(ignored)


def test_images_are_pinned_ports_on_loopback_services_healthy() -> None:
    for name, svc in services().items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", (name, image)
        if svc.get("restart") != "no":
            assert svc.get("restart") == "unless-stopped", name
            assert svc["healthcheck"]["test"][0] == "CMD", name
    published = {name: svc["ports"] for name, svc in services().items() if "ports" in svc}
    assert list(published) == ["grafana"]
    for port in published["grafana"]:
        assert interpolate(port).startswith("127.0.0.1:"), port
    networks = compose()["networks"]
    assert networks["backend"] == {"internal": True}
    assert services()["postgres"]["networks"] == ["backend"]


# --- each service's mounts, laid out in a throwaway root --------------------------------------


class Root:
    """The container filesystems of the stack under one directory: every service's mounts as
    symlinks to the repository's files, named volumes shared as directories, secrets from
    ``secrets_dir`` and the province's files from ``province_dir``."""

    def __init__(self, base: Path, secrets_dir: Path, province_dir: Path) -> None:
        self.base = base
        self.host = {"secrets": secrets_dir, "province": province_dir}
        self.secret_files = {k: v["file"] for k, v in compose()["secrets"].items()}

    def source(self, source: str) -> Path:
        parts = Path(source).parts  # "./province" -> ("province",)
        if parts[0] in self.host:
            return self.host[parts[0]].joinpath(*parts[1:])
        return (DIR / source).resolve()

    def lay_out(self, service: str) -> Path:
        root = self.base / service
        if root.exists():  # laid out by an earlier test
            return root
        # Parents first, as Docker does: a mount inside a volume lands in the volume.
        for source, target in sorted(mounts(service), key=lambda m: len(Path(m[1]).parts)):
            if source.startswith("."):
                host = self.source(source)
            else:
                host = self.base / "volumes" / source
                host.mkdir(parents=True, exist_ok=True)
            self.link(root / target.lstrip("/"), host)
        for secret in services()[service].get("secrets", []):
            self.link(root / "run" / "secrets" / secret, self.source(self.secret_files[secret]))
        return root

    @staticmethod
    def link(path: Path, to: Path) -> None:
        assert to.exists(), to
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(to)


def rooted(root: Path, value: Any) -> Any:
    """``value`` with every absolute container path moved under ``root``."""
    if isinstance(value, dict):
        return {k: rooted(root, v) for k, v in value.items()}
    if isinstance(value, list):
        return [rooted(root, v) for v in value]
    if isinstance(value, str) and value.startswith(("/etc/", "/run/", "/var/")):
        return str(root / value.lstrip("/"))
    return value


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Root:
    """The README's steps: init-secrets.sh, the inventory in province/, then the file-sd
    service's own command (run with this checkout's ``sansang``)."""
    base = tmp_path_factory.mktemp("compose")
    secrets_dir, province = base / "host-secrets", base / "host-province"
    run_init_secrets(secrets_dir)
    province.mkdir()
    shutil.copy(EXAMPLE_INVENTORY, province / "inventory.yaml")
    lab = Root(base / "root", secrets_dir, province)
    root = lab.lay_out("file-sd")
    command = rooted(root, services()["file-sd"]["command"])
    command = [
        re.sub(r"^(--\w+=)(.*)$", lambda m: m[1] + str(rooted(root, m[2])), c) for c in command
    ]
    sansang = Path(sys.executable).with_name("sansang")
    proc = subprocess.run(
        [str(sansang), *command], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert list((base / "root" / "volumes" / "file-sd").glob("*.json"))
    return lab


def run_init_secrets(out: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(DIR / "init-secrets.sh"), str(out)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_init_secrets_makes_every_secret_once(tmp_path: Path) -> None:
    out = tmp_path / "secrets"
    first = run_init_secrets(out)
    assert "admin" in first.stdout
    for spec in compose()["secrets"].values():
        assert (out / Path(spec["file"]).name).is_file(), spec
    assert out.stat().st_mode & 0o777 == 0o700
    pgpass = out / "pgpass"
    assert pgpass.stat().st_mode & 0o777 == 0o600  # libpq ignores a file others can read
    if os.geteuid() == 0:
        assert pgpass.stat().st_uid == COLLECTOR_UID
    host, port, db, user, password = pgpass.read_text().strip().split(":")
    assert (host, port, db, user) == ("postgres", "5432", "sansang", "sansang")
    assert password == (out / "postgres-password").read_text()
    entries = {t.name: t for t in tokens.load(out / "tokens.yaml")}
    token = (out / "prometheus-token").read_text()
    assert entries["prometheus"].sha256 == tokens.hash_token(token)
    assert entries["prometheus"].role == "viewer" and entries["admin"].role == "admin"
    assert credentials.load(out / "credentials.yaml") == {}
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run_init_secrets(out).stdout == ""  # nothing made, nothing shown again
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def listen_port(command: list[str]) -> int:
    (flag,) = [c for c in command if c.startswith("--web.listen-address=")]
    return int(flag.rsplit(":", 1)[1])


@needs_promtool
@pytest.mark.parametrize("with_remote_write", [False, True], ids=["as-is", "remote-write"])
def test_prometheus_config_passes_promtool_as_mounted(stack: Root, with_remote_write: bool) -> None:
    root = stack.lay_out("prometheus")
    etc = root / "etc" / "prometheus"
    config = load(etc / "prometheus.yml")
    if with_remote_write:
        config |= load(REMOTE_WRITE)
    checked = etc / f"checked-{with_remote_write}.yml"  # beside it: relative paths as mounted
    checked.write_text(yaml_writer.dump(rooted(root, config)), encoding="utf-8")
    proc = subprocess.run(
        ["promtool", "check", "config", str(checked)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout + proc.stderr and "rules found" in proc.stdout + proc.stderr
    # The addresses are the compose services at the ports they listen on.
    (am,) = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert am == f"alertmanager:{listen_port(services()['alertmanager']['command'])}"
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    (target,) = jobs["sansang-collector"]["static_configs"][0]["targets"]
    listen = collector_config.load(DIR / "collector.yaml").port
    assert target == f"collector:{listen}"
    assert list((etc / "file_sd").glob("*.json")), "the file-sd service's output, as mounted"


@needs_amtool
def test_alertmanager_config_passes_amtool_as_mounted(stack: Root) -> None:
    root = stack.lay_out("alertmanager")
    config = root / "etc" / "alertmanager" / "alertmanager.yml"
    proc = subprocess.run(
        ["amtool", "check-config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Found:" in proc.stdout and "templates" in proc.stdout and "SUCCESS" in proc.stdout


def test_grafana_datasource_is_the_prometheus_service(stack: Root) -> None:
    root = stack.lay_out("grafana")
    prov = root / "etc" / "grafana" / "provisioning"
    (source,) = load(prov / "datasources" / "prometheus.yml")["datasources"]
    url = urlsplit(source["url"])
    assert url.hostname == "prometheus" and "prometheus" in services()
    assert url.port == listen_port(services()["prometheus"]["command"])
    (provider,) = load(prov / "dashboards" / "sansang.yml")["providers"]
    dashboards = root / provider["options"]["path"].lstrip("/")
    assert sorted(p.name for p in dashboards.glob("*.json")) == sorted(
        p.name for p in (ROOT / "dashboards" / "json").glob("*.json")
    )
    assert len(list(dashboards.glob("*.json"))) >= 6


def test_collector_config_loads_with_its_secrets(stack: Root) -> None:
    root = stack.lay_out("collector")
    svc = services()["collector"]
    config = collector_config.load(root / "etc" / "sansang" / "collector.yaml")
    inv = model.load(rooted(root, str(config.inventory)))
    assert config.tokens_file is not None and config.ingest.credentials_file is not None
    assert tokens.load(Path(rooted(root, str(config.tokens_file))), {s.key for s in inv.sites})
    assert credentials.load(Path(rooted(root, str(config.ingest.credentials_file)))) == {}
    # PostgreSQL: the service, its user and database, no password in the URL: libpq's PGPASSFILE.
    url = make_url(config.database)
    env = services()["postgres"]["environment"]
    assert (url.host, url.username, url.database) == (
        "postgres",
        env["POSTGRES_USER"],
        env["POSTGRES_DB"],
    )
    assert url.password is None and url.port == 5432
    pgpass = Path(rooted(root, svc["environment"]["PGPASSFILE"]))
    assert pgpass.read_text().startswith(f"{url.host}:{url.port}:{url.database}:{url.username}:")
    # Live values and alerts: the compose services.
    assert urlsplit(config.prometheus.url or "").netloc == "prometheus:9090"
    assert urlsplit(config.alertmanager.url or "").netloc == "alertmanager:9093"
    assert config.host == "0.0.0.0"  # reachable by Prometheus on the network
    assert f":{config.port}/healthz" in " ".join(svc["healthcheck"]["test"])
    assert set(svc["networks"]) == {"backend", "monitoring"}


# --- the image ---------------------------------------------------------------------------------

INSTRUCTIONS = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "ENTRYPOINT", "CMD", "ARG"}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_instructions_and_sources() -> None:
    build = services()["collector"]["build"]
    assert (DIR / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile"
    steps = dockerfile()
    assert {i for i, _ in steps} <= INSTRUCTIONS, steps
    assert steps[0][0] == "FROM"
    image = steps[0][1]
    assert image.startswith("python:3.11-") and "latest" not in image
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for instruction, args in steps:
        if instruction == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") in allowed, f"{source} is excluded by .dockerignore"
    assert ("RUN", 'pip install ".[collector]" && rm -rf /src') in steps
    (user,) = [a for i, a in steps if i == "USER"]
    assert user == "sansang"
    assert any(f"--uid {COLLECTOR_UID}" in a for i, a in steps if i == "RUN")
    assert f"collector_uid={COLLECTOR_UID}" in (DIR / "init-secrets.sh").read_text()
    entry = [a for i, a in steps if i == "ENTRYPOINT"]
    assert entry == ['["sansang"]']
    assert 'sansang = "sansang.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_the_package_builds_from_what_the_image_copies(tmp_path: Path) -> None:
    """A wheel built from only the files the Dockerfile copies holds the collector's data files."""
    context = tmp_path / "context"
    context.mkdir()
    for instruction, args in dockerfile():
        if instruction == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source,
                        context / source,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                    )
                else:
                    shutil.copy(ROOT / source, context / source)
    dist = str(tmp_path / "dist")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    proc = subprocess.run(
        [*pip, "-w", dist, str(context)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "dist").glob("sansang-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "collector/targets/catalogue.yaml",
        "collector/web/templates/base.html",
        "collector/store/migrations/script.py.mako",
        "sansang/cli.py",
        "agent/app.py",
    ):
        assert needed in names, needed
