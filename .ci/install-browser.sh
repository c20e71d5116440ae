#!/usr/bin/env bash
# Install Debian's Chromium for the browser test when it is missing (no browser downloads from elsewhere).
# Run by `make test`; harmless when Chromium is already there. Needs root (CI and developers are root).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: /usr/bin/chromium is missing and apt-get as root is not available;" \
         "the browser test will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "install-browser: apt-get update failed; trying the install anyway" >&2
apt-get install -y -qq chromium >/dev/null \
    || echo "install-browser: could not install chromium; the browser test will be skipped" >&2
