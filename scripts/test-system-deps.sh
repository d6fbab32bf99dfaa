#!/usr/bin/env bash
# Installs the system tools some tests need from Debian's packages when they are missing and we
# may (root with apt-get): Chromium (browser tests), PgBouncer, and pg_dump/pg_restore
# (postgresql-client). Outside CI, what stays missing only makes those tests skip and say why.
# Under CI (CI=true) it fails this script, and the tests themselves (tests/tools.py), so CI never
# passes with tests that did not run. Only builtins are used before apt-get, so the tests of this
# script can hide apt-get and the tools by narrowing PATH.
set -u
chromium="${CHROMIUM:-/usr/bin/chromium}"

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

missing_packages() {
  have "$chromium" || echo chromium
  have pgbouncer || echo pgbouncer
  { have pg_dump && have pg_restore; } || echo postgresql-client
}

give_up() {
  case "${CI:-}" in
    true | TRUE | True | 1 | yes)
      echo "error: $1; under CI the tests that need them must run, so this fails." >&2
      exit 1 ;;
  esac
  echo "note: $1; the tests that need them will be skipped." >&2
  exit 0
}

mapfile -t missing < <(missing_packages)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$EUID" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  give_up "${missing[*]} not installed, and installing needs root and apt-get"
fi
echo "Installing ${missing[*]} from Debian's packages for the test suite..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null \
  || give_up "could not install ${missing[*]}"
mapfile -t missing < <(missing_packages)
[ ${#missing[@]} -eq 0 ] || give_up "${missing[*]} still missing after apt-get install"
exit 0
