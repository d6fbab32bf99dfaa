#!/usr/bin/env bash
# Installs what the browser and PgBouncer tests need from Debian's packages, when it is missing
# and we may. Without it those tests skip and say why; nothing else depends on it.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: ${missing[*]} not installed and cannot install here; those tests will be skipped." >&2
  exit 0
fi
echo "Installing ${missing[*]} from Debian's packages for the test suite..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null \
  || echo "note: could not install ${missing[*]}; those tests will be skipped." >&2
exit 0
