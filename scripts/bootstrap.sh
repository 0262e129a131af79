#!/usr/bin/env bash
# Set up everything sansang needs on a fresh Debian/Ubuntu machine that has only python3 and make.
#   scripts/bootstrap.sh run    a virtualenv with sansang installed (agent and collector)
#   scripts/bootstrap.sh test   + development tools and the real servers the tests start
#   scripts/bootstrap.sh bench  + the exporters the benchmarks compare against
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-run}
venv=.venv

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "bootstrap: need root for: $*" >&2; return 1; fi; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then apt_install python3-venv; fi

case "$what" in
  run) extras="[collector]"  # make run starts the collector too
       apt_install fonts-dejavu-core ;;  # the fonts the PDF report embeds (collector/report/pdf.py)
  test) extras="[dev,collector]"
        # promtool (checks a real scrape), ip (network namespaces), dnsmasq (a real DNS server),
        # chromium and a font with Vietnamese glyphs (the status page as a technician sees it),
        # NUT's upsd and dummy-ups driver (a real UPS server for the power probe),
        # VictoriaMetrics and Alertmanager (the collector's live values and alerts)
        # PostgreSQL (the collector's shared store; tests/integration/pglab.py runs its own)
        # systemd (systemd-analyze verify/security on deploy/systemd's units)
        # libfaketime (a real agent's wall clock stepped while it runs, its monotonic clock not)
        # openssh-server (a real sshd for the security checks over SSH, tests/integration/sshlab.py)
        # tmux (a real terminal for diagnose's progress display, test_diagnose_tmux.py)
        apt_install prometheus iproute2 dnsmasq-base openssl chromium fonts-dejavu-core \
          nut-server nut-client iperf3 iptables victoria-metrics prometheus-alertmanager postgresql \
          systemd libfaketime openssh-server tmux ;;
  bench) extras="[dev,collector]"
        apt_install prometheus iproute2 dnsmasq-base prometheus-node-exporter prometheus-blackbox-exporter \
          nut-server nut-client iperf3 iptables postgresql prometheus-alertmanager ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

stamp="$venv/.installed-$what"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
# Again when the dependencies or this script (the extras of a case) changed.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/bootstrap.sh -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e ".$extras"
  touch "$stamp"
fi
