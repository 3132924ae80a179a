#!/bin/sh
# Debian's Chromium for the browser tests (test/e2e/*browser*). Installed when missing; needs apt
# and root, as on Sentinel's CI machines. Never `npx playwright install`: it downloads binaries.
set -e
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "installing chromium from Debian (once)..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
