"""``sansang collector ansible-inventory``: the inventory's sites as Ansible's script inventory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from collector import ansible_inventory
from collector.inventory import model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "examples" / "inventory.yaml"
ROLE_META = ROOT / "deploy" / "ansible" / "roles" / "sansang_agent" / "meta" / "main.yml"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sansang.cli", "collector", "ansible-inventory", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_example_inventory_gives_groups_and_host_vars() -> None:
    built = ansible_inventory.build(model.load(EXAMPLE))
    assert built["all"] == {"children": ["sansang_agents"]}
    assert built["sansang_agents"] == {"children": ["sansang_pull", "sansang_push"]}
    assert built["sansang_pull"] == {"hosts": ["23527-main"]}
    assert built["sansang_push"] == {"hosts": ["21548-main"]}
    pull = built["_meta"]["hostvars"]["23527-main"]
    assert pull["ansible_host"] == "sa-thay.agent.example"  # from the pull URL
    assert pull["sansang_agent_listen"] == "0.0.0.0:9717"
    assert pull["sansang_agent_tls"] is True
    assert pull["sansang_agent_commune_code"] == "23527"
    assert pull["sansang_agent_site_name"] == "Bộ phận một cửa Xã Sa Thầy"
    assert pull["sansang_agent_terminals"][0] == {
        "id": "counter-1",
        "name": "Quầy 1",
        "kind": "counter_pc",
        "address": "10.51.27.11",
    }
    assert "name" not in pull["sansang_agent_terminals"][1]  # no empty names
    push = built["_meta"]["hostvars"]["21548-main"]
    assert "ansible_host" not in push  # behind NAT: the operator's host_vars say how
    assert push["sansang_agent_ingest"] == "push"
    assert push["sansang_agent_push_credential_id"] == "ly-son"
    assert push["sansang_agent_links"] == [{"id": "mobile", "kind": "mobile", "role": "primary"}]


def test_mobile_beside_another_link_is_the_backup() -> None:
    inv = model.load(EXAMPLE)
    site = inv.sites[0].model_copy(update={"links": ["internet", "mobile"]})
    assert ansible_inventory.agent_links(site) == [
        {"id": "internet", "kind": "internet", "role": "primary"},
        {"id": "mobile", "kind": "mobile", "role": "backup"},
    ]


def test_port_and_scheme_of_a_plain_http_url() -> None:
    inv = model.load(EXAMPLE)
    pull = inv.sites[0].pull
    assert pull is not None
    site = inv.sites[0].model_copy(
        update={"pull": pull.model_copy(update={"url": "http://10.51.27.5/"})}
    )
    hv = ansible_inventory.host_vars(site, inv)
    assert hv["ansible_host"] == "10.51.27.5"
    assert hv["sansang_agent_listen"] == "0.0.0.0:80"
    assert hv["sansang_agent_tls"] is False


def test_every_host_var_is_an_option_of_the_role() -> None:
    """A renamed role variable would otherwise be silently ignored."""
    options = yaml.safe_load(ROLE_META.read_text())["argument_specs"]["main"]["options"]
    built = ansible_inventory.build(model.load(EXAMPLE))
    for key, hv in built["_meta"]["hostvars"].items():
        unknown = set(hv) - set(options) - {"ansible_host"}
        assert not unknown, (key, unknown)


def test_cli_list_and_host() -> None:
    listed = _cli("--inventory", str(EXAMPLE), "--list")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == ansible_inventory.build(model.load(EXAMPLE))
    one = _cli("--inventory", str(EXAMPLE), "--host", "21548-main")
    assert json.loads(one.stdout)["sansang_agent_commune_code"] == "21548"
    unknown = _cli("--inventory", str(EXAMPLE), "--host", "nowhere")
    assert unknown.returncode == 0 and json.loads(unknown.stdout) == {}


def test_cli_bad_inventory_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "inventory.yaml"
    bad.write_text(EXAMPLE.read_text().replace("commune_code: '23527'", "commune_code: '99999'"))
    done = _cli("--inventory", str(bad))
    assert done.returncode == 2
    assert "inventory.yaml" in done.stderr and "commune_code" in done.stderr
    assert done.stdout == ""
