#!/usr/bin/env bash
# What building and running SSO Pilot needs, and nothing else (README command 1 runs it through scripts/start.sh):
#   the Debian packages in scripts/packages/apt-app.txt, a check of Rust and Node.js, and the UI's npm packages.
# scripts/setup.sh sources this file and adds what only the tests need (scripts/packages/apt.txt, pip.txt,
# cargo.txt, the end-to-end tests' npm packages).
# Safe to run again: every step checks first. Works as root or as a user with sudo; never reads stdin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES="$ROOT/scripts/packages"
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# The non-comment, non-blank lines of package lists.
entries() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$@"; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
  if ! sudo -n true 2>/dev/null; then
    say "sudo needs your password once for apt-get"
    SUDO=(sudo)
  fi
else
  SUDO=()
fi

# --- Debian packages -------------------------------------------------------------------------------------------
# install_debian_packages LIST...: installs the packages of the lists that are missing, with one apt-get update.
install_debian_packages() {
  local missing=() pkg total
  total="$(entries "$@" | wc -l)"
  while read -r pkg; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done < <(entries "$@")
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
      die "these Debian packages are missing and there is no sudo to install them: ${missing[*]}. Install them as root (apt-get install ${missing[*]}) and run this again."
    fi
    say "Installing Debian packages: ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  else
    say "Debian packages: all $total present"
  fi
}

# --- Toolchains that apt cannot provide in a usable version ---------------------------------------------------
check_toolchains() {
  # Rust: Debian 12 ships 1.63, the project needs 1.89 or newer.
  if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
  command -v cargo >/dev/null 2>&1 ||
    die "cargo is missing. Install Rust 1.89 or newer with rustup (https://rustup.rs), then run this again."
  local rust_minor
  rust_minor="$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')"
  [ "$rust_minor" -ge 89 ] 2>/dev/null ||
    die "Rust $(rustc --version) is too old; the project needs 1.89 or newer: run 'rustup update stable'."
  # Node: Vite 8 needs 20.19 or newer (Debian 12's own nodejs is 18; use the NodeSource or Debian 13 package).
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    die "node and npm are missing. Install Node.js 20.19 or newer (for example the NodeSource 'nodejs' package), then run this again."
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js $(node --version) is too old; the UI build needs 20.19 or newer."
}

# --- npm packages -----------------------------------------------------------------------------------------------
# npm ci only when the lock file changed since the last install (npm ci always deletes node_modules first).
npm_install() {
  local dir="$1"
  [ -f "$dir/package.json" ] || return 0
  local stamp="$dir/node_modules/.ssopilot-lock-hash" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "npm packages in ${dir#"$ROOT"/}: up to date"
  else
    say "Installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
    echo "$want" >"$stamp"
  fi
}

# Run directly (scripts/start.sh): only what the app needs.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  install_debian_packages "$PACKAGES/apt-app.txt"
  check_toolchains
  npm_install "$ROOT/ui"
  say "Set-up for the app complete (the tests need more: scripts/setup.sh, which scripts/test.sh runs)"
fi
