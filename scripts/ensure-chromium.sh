#!/bin/sh
# Debian's Chromium for the browser tests (test/e2e/*browser*). Installed when missing; needs apt
# and root, as on Sentinel's CI machines. Never `npx playwright install`: it downloads binaries.
# The browser test files run in parallel: the first to get here installs, the others wait on the
# lock and then find it installed (two apt-get at once fail on dpkg's lock).
set -e
if [ -x /usr/bin/chromium ]; then exit 0; fi
exec 9>"${TMPDIR:-/tmp}/sentinel-ensure-chromium.lock"
flock 9
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "installing chromium from Debian (once)..." >&2
apt-get update -qq
# Waits for another apt on the machine instead of failing at once.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null
