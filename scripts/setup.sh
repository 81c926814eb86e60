#!/usr/bin/env bash
# Installs everything SSO Pilot needs that is missing on this Debian/Ubuntu machine, and nothing else:
#   Debian packages (scripts/packages/apt.txt), npm packages (ui/), Python packages (scripts/packages/pip.txt into
#   .venv/) and cargo tools (scripts/packages/cargo.txt).
# Safe to run again: every step checks first. Works as root or as a user with sudo; never reads stdin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES="$ROOT/scripts/packages"
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# The non-comment, non-blank lines of a package list.
entries() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$1"; }

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
missing=()
while read -r pkg; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done < <(entries "$PACKAGES/apt.txt")
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
    die "these Debian packages are missing and there is no sudo to install them: ${missing[*]}. Install them as root (apt-get install ${missing[*]}) and run this again."
  fi
  say "Installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  say "Debian packages: all $(entries "$PACKAGES/apt.txt" | wc -l) present"
fi

# --- Toolchains that apt cannot provide in a usable version ---------------------------------------------------
# Rust: Debian 12 ships 1.63, the project needs 1.85 or newer.
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
command -v cargo >/dev/null 2>&1 ||
  die "cargo is missing. Install Rust 1.85 or newer with rustup (https://rustup.rs), then run this again."
rust_minor="$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')"
[ "$rust_minor" -ge 85 ] 2>/dev/null ||
  die "Rust $(rustc --version) is too old; the project needs 1.85 or newer: run 'rustup update stable'."
# Node: Vite 8 needs 20.19 or newer (Debian 12's own nodejs is 18; use the NodeSource or Debian 13 package).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  die "node and npm are missing. Install Node.js 20.19 or newer (for example the NodeSource 'nodejs' package), then run this again."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  die "Node.js $(node --version) is too old; the UI build needs 20.19 or newer."

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
npm_install "$ROOT/ui"
npm_install "$ROOT/tests/e2e"

# --- Test-only peers --------------------------------------------------------------------------------------------
# Foreign SAML IdPs that the interop tests run on loopback (crates/peers/tests/it/idp_*.rs): Lasso from Debian, and
# the Node ones in crates/testkit/js (versions pinned there). Running SSO Pilot needs none of them.
if ! dpkg-query -W -f='${Status}' python3-lasso 2>/dev/null | grep -q "install ok installed"; then
  say "Installing the test-only Debian package python3-lasso"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-lasso </dev/null ||
    die "apt-get could not install python3-lasso (Lasso, an IdP the interop tests run): install it as root and run this again."
fi
npm_install "$ROOT/crates/testkit/js"

# --- Python packages --------------------------------------------------------------------------------------------
if [ -n "$(entries "$PACKAGES/pip.txt")" ]; then
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    # .venv is this script's own (git ignores it): one without a working python (a broken link, an interrupted
    # creation) is made again rather than failing here.
    if [ -e "$ROOT/.venv" ] || [ -L "$ROOT/.venv" ]; then
      say "Replacing the unusable Python virtual environment .venv"
      rm -rf "$ROOT/.venv"
    fi
    say "Creating the Python virtual environment .venv"
    python3 -m venv "$ROOT/.venv" || die "python3 -m venv failed: install python3-venv (add it to scripts/packages/apt.txt)."
  fi
  say "Installing Python packages into .venv"
  entries "$PACKAGES/pip.txt" | xargs "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check
else
  say "Python packages: none needed"
fi

# --- cargo tools ------------------------------------------------------------------------------------------------
installed="$(cargo install --list)"
while read -r tool version; do
  # "tauri-driver v2.1.0:" lines; a caret requirement "^2" is satisfied by any 2.x.
  have="$(printf '%s\n' "$installed" | sed -nE "s/^$tool v([0-9.]+).*/\1/p")"
  major="${version#^}"; major="${major%%.*}"
  if [ -n "$have" ] && { [ -z "$version" ] || [ "${have%%.*}" = "$major" ]; }; then
    say "cargo tool $tool $have: present"
  else
    say "Installing cargo tool $tool ${version:-latest}"
    cargo install --locked "$tool" ${version:+--version "$version"}
  fi
done < <(entries "$PACKAGES/cargo.txt")

say "Set-up complete"
