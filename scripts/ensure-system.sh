#!/usr/bin/env bash
# Checks for the Debian packages sealrtc's test suite needs; with --install (and root), installs
# what is missing. Without --install it fails with the exact command to run.
set -euo pipefail
declare -A bin_of=([chromium]=chromium [coturn]=turnserver [redis-server]=redis-server)
missing=()
for pkg in "${!bin_of[@]}"; do
  command -v "${bin_of[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
((${#missing[@]} == 0)) && exit 0

cmd="apt-get update && apt-get install -y ${missing[*]}"
if [[ "${1:-}" == "--install" && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  echo "sealrtc: installing ${missing[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "sealrtc: missing system packages: ${missing[*]}" >&2
echo "sealrtc: install them with:  sudo sh -c '$cmd'" >&2
exit 1
