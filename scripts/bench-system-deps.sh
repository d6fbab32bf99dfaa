#!/usr/bin/env bash
# Installs the load generator the page benchmark drives (wrk) from Debian's packages when it is
# missing and we may (root with apt-get), like scripts/test-system-deps.sh does for test tools.
set -u
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$EUID" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: wrk is not installed, and installing it needs root and apt-get" >&2
  exit 1
fi
echo "Installing wrk from Debian's packages for the page benchmark..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
command -v wrk >/dev/null 2>&1 || { echo "error: wrk still missing after apt-get install" >&2; exit 1; }
