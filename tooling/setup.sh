#!/usr/bin/env bash
# Sets up a fresh clone: the pinned pnpm (from package.json's packageManager), the
# workspace's dependencies from the lockfile, and a build of every package.
# Needs only Node 20+ and npm. Safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NPM_CONFIG_UPDATE_NOTIFIER=false

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  prefix="${XDG_CACHE_HOME:-$HOME/.cache}/btfkit/pnpm-$want"
  if [ ! -x "$prefix/bin/pnpm" ]; then
    echo "setup: installing pnpm $want into $prefix" >&2
    npm install --silent --global --prefix "$prefix" "pnpm@$want" >&2
  fi
  export PATH="$prefix/bin:$PATH"
fi
echo "setup: pnpm $(pnpm --version), node $(node --version)" >&2
pnpm install --frozen-lockfile >&2
pnpm run build >&2
