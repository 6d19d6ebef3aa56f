#!/usr/bin/env bash
# Prepares a Debian machine with Node.js >= 20.19: installs the npm dependencies and the services
# the service needs. `--test` also makes sure PostgreSQL and Redis run on loopback for the tests.
#   bash scripts/setup.sh           # before `npm start`: redis-server binary for the embedded Redis
#   bash scripts/setup.sh --test    # before `npm test`: PostgreSQL on 127.0.0.1:5432, Redis on :6379
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required, found "+process.version); process.exit(1) }'

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "need root for: $*" >&2; return 1; fi; }
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The embedded Redis runs Debian's redis-server binary as a child process.
command -v redis-server >/dev/null || { echo "installing redis-server"; apt_install redis-server; }

if [ $want_test = 1 ]; then
  command -v pg_ctlcluster >/dev/null || { echo "installing postgresql"; apt_install postgresql; }
  # The console's browser tests drive Debian's chromium (playwright-core downloads no browser) and
  # need a CJK font to render Chinese pages and screenshots.
  command -v chromium >/dev/null || { echo "installing chromium"; apt_install chromium; }
  dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || { echo "installing fonts-wqy-microhei"; apt_install fonts-wqy-microhei; }
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting redis-server on 127.0.0.1:6379"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/outreach-test-redis.log"
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "starting PostgreSQL"
    version=$(ls /etc/postgresql | sort -n | tail -1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  # Tests connect as postgres over loopback (TEST_DATABASE_URL overrides). A stock Debian cluster
  # asks for a password there, so on a machine without one configured, trust loopback for tests.
  url="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
  if ! psql "$url" -Atc 'select 1' >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -n | tail -1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    echo "allowing loopback connections without a password in $hba (test machine)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    sleep 1
    psql "$url" -Atc 'select 1' >/dev/null
  fi
fi

# npm ci when the lock file is there and node_modules is missing or older than it.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
