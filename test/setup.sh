#!/usr/bin/env bash
# Make this machine ready for zkk's lab and tests, from a clean clone on a fresh Debian 12
# (as root): system packages, npm dependencies, the build, and the fixture releases.
# Everything is skipped when already in place, so it costs ~1 s when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup $(date +%T)] $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "setup: run as root (the lab needs network namespaces and mounts)" >&2; exit 1; }

# System packages the tests use beyond what the lab and fixture scripts install themselves
# (lab.sh installs openssh-server without starting it; build.sh installs maven & co).
# sudo: lab hosts share this machine's /usr, and test/e2e/sudo.test.ts logs in as sudo users.
declare -A want=([tmux]=tmux [sudo]=sudo [ufw]=ufw [ss]=iproute2 [flock]=util-linux [curl]=curl [ssh]=openssh-client)
missing=()
for c in "${!want[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("${want[$c]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
fi

# npm dependencies: only when the lock file changed since the last install. A node_modules
# that is a symlink (a git worktree sharing another checkout's) is left alone: npm ci would
# empty the directory it points to.
if [ -L node_modules ]; then
  log "node_modules is a symlink to $(readlink node_modules): not reinstalling it"
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >&2
fi

# The build (bin/zkk.js runs dist/).
if [ ! -f dist/cli/main.js ] || [ -n "$(find src templates -newer dist/cli/main.js -print -quit 2>/dev/null)" ]; then
  log "npm run build"
  npx tsc -p tsconfig.json
fi

# Fixture releases (cached outside the repo; a second build is a no-op).
bash test/fixtures/build.sh >&2
