#!/usr/bin/env bash
# Make the secret files compose.yaml reads (once, on the province's server):
#   ./init-secrets.sh [DIR]        DIR defaults to secrets/ beside this script
# An existing file is kept: run it again safely (e.g. after deleting one file to renew it).
# Prints the first admin token of the collector and Grafana's admin password ONCE.
# Needs openssl and sha256sum.  Run it as root (or with sudo) so that pgpass can be given to the
# collector's user (uid 10001 in the image): libpq ignores a password file others can read.
set -euo pipefail
dir=${1:-"$(dirname "$0")/secrets"}
collector_uid=10001
umask 077
install -d -m 0700 "$dir"

token() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n'; }   # 256 bits, URL-safe
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# A file readable by the service's user inside its container; the 0700 directory keeps others
# on the host out.
put() { printf '%s' "$2" >"$dir/$1"; chmod 0644 "$dir/$1"; }

if [ ! -f "$dir/postgres-password" ]; then
  put postgres-password "$(openssl rand -hex 24)"
fi
if [ ! -f "$dir/pgpass" ]; then
  printf 'postgres:5432:sansang:sansang:%s\n' "$(cat "$dir/postgres-password")" >"$dir/pgpass"
  chmod 0600 "$dir/pgpass"
  if [ "$(id -u)" -eq 0 ]; then chown "$collector_uid:$collector_uid" "$dir/pgpass"
  else echo "init-secrets: chạy / run: sudo chown $collector_uid:$collector_uid $dir/pgpass" >&2; fi
fi
if [ ! -f "$dir/grafana-admin-password" ]; then
  password=$(openssl rand -hex 16)
  put grafana-admin-password "$password"
  echo "Mật khẩu Grafana (admin) / Grafana admin password: $password"
fi
if [ ! -f "$dir/tokens.yaml" ]; then
  prometheus=$(token)
  admin=$(token)
  put prometheus-token "$prometheus"
  put tokens.yaml "# API tokens of the collector: SHA-256 only (sansang collector token new).
tokens:
  - name: prometheus
    role: viewer
    sha256: $(sha256 "$prometheus")
  - name: admin
    role: admin
    sha256: $(sha256 "$admin")
"
  echo "Mã quản trị của collector (chỉ hiện một lần) / collector admin token (shown once): $admin"
fi
if [ ! -f "$dir/credentials.yaml" ]; then
  put credentials.yaml ""   # push credentials: sansang collector credential new ID
fi
