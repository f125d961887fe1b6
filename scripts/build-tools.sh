#!/usr/bin/env bash
# Builds the Go helper tools into .cache/bin/ (gitignored), each only when its binary is
# missing or older than a file in its tools/<name>/ folder:
#   .cache/bin/ferretdb       MongoDB wire protocol on SQLite, for tests and CI
#   .cache/bin/compose-check  validates docker-compose.yml without a Docker engine
# Usage: scripts/build-tools.sh [tool...]   (default: all tools)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.cache/bin"

go_cmd="$(command -v go || true)"
if [[ -z "$go_cmd" && -x /usr/local/go/bin/go ]]; then
  go_cmd=/usr/local/go/bin/go
fi
if [[ -z "$go_cmd" ]]; then
  echo "build-tools: Go toolchain not found (need 'go' on PATH or /usr/local/go/bin/go)" >&2
  exit 1
fi

tools=("$@")
if [[ ${#tools[@]} -eq 0 ]]; then
  tools=(ferretdb compose-check)
fi

mkdir -p "$bin"
for tool in "${tools[@]}"; do
  src="$root/tools/$tool"
  out="$bin/$tool"
  if [[ ! -f "$src/go.mod" ]]; then
    echo "build-tools: unknown tool '$tool' (no $src/go.mod)" >&2
    exit 1
  fi
  if [[ -x "$out" && -z "$(find "$src" -type f -newer "$out" -print -quit)" ]]; then
    echo "build-tools: $tool is up to date ($out)"
    continue
  fi
  echo "build-tools: building $tool -> $out"
  start=$SECONDS
  # Build to a temp name and rename, so a concurrent reader never sees a half-written file.
  tmp="$(mktemp "$bin/.$tool.XXXXXX")"
  if ! (cd "$src" && "$go_cmd" build -trimpath -buildvcs=false -o "$tmp" .); then
    rm -f "$tmp"
    echo "build-tools: building $tool failed" >&2
    exit 1
  fi
  mv -f "$tmp" "$out"
  echo "build-tools: built $tool in $((SECONDS - start))s"
done
