#!/usr/bin/env bash
# Installs everything SSO Pilot and its tests need that is missing on this Debian/Ubuntu machine, and nothing else:
#   what the app needs (scripts/setup-app.sh: scripts/packages/apt-app.txt, the UI's npm packages), then what only
#   the tests need: Debian packages (scripts/packages/apt.txt), npm packages (tests/e2e), Python packages
#   (scripts/packages/pip.txt into .venv/) and cargo tools (scripts/packages/cargo.txt).
# Safe to run again: every step checks first. Works as root or as a user with sudo; never reads stdin.
set -euo pipefail

# say, die, entries, install_debian_packages, check_toolchains, npm_install; ROOT and PACKAGES.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/setup-app.sh"

install_debian_packages "$PACKAGES/apt-app.txt" "$PACKAGES/apt.txt"
check_toolchains
npm_install "$ROOT/ui"
npm_install "$ROOT/tests/e2e"

# --- Test-only peers --------------------------------------------------------------------------------------------
# Foreign SAML IdPs that the interop tests run on loopback (crates/peers/tests/it/idp_*.rs): Lasso comes from Debian
# (python3-lasso, in packages/apt.txt), the Node ones from crates/testkit/js (versions pinned there). Running SSO
# Pilot needs none of them.
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
# flask-saml2, a test peer, needs old pins that would break .venv's packages: a virtual environment of its own.
if [ -n "$(entries "$PACKAGES/pip-flask-saml2.txt")" ]; then
  if [ ! -x "$ROOT/.venv-flask-saml2/bin/python" ]; then
    rm -rf "$ROOT/.venv-flask-saml2"
    say "Creating the Python virtual environment .venv-flask-saml2 (a test peer)"
    python3 -m venv "$ROOT/.venv-flask-saml2" || die "python3 -m venv failed: install python3-venv."
  fi
  say "Installing flask-saml2 into .venv-flask-saml2"
  entries "$PACKAGES/pip-flask-saml2.txt" | xargs "$ROOT/.venv-flask-saml2/bin/pip" install -q --disable-pip-version-check
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
