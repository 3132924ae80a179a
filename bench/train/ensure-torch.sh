#!/bin/sh
# Debian's PyTorch (CPU) for bench/train's baseline. Installs it when missing (needs root and apt).
set -e
if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then exit 0; fi
echo "installing python3-torch from Debian (once)..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
