#!/usr/bin/env bash
# Builds the release app and its Linux bundles with our icons (src-tauri/tauri.conf.json `bundle`):
#   .deb       always (dpkg-deb, from the Debian packages setup installs);
#   AppImage   only when the bundler's tools are already in ~/.cache/tauri: Tauri downloads linuxdeploy, its GTK
#              plugin and the AppImage runtime from GitHub, which no package registry provides (see the message).
# Not part of scripts/test.sh (a release build is long on 2 cores). Usage: scripts/bundle.sh [deb|appimage|all]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAURI="$ROOT/ui/node_modules/.bin/tauri"
WHAT="${1:-all}"
OUT="$ROOT/target/release/bundle"

die() { echo "bundle: $*" >&2; exit 1; }
[[ -x "$TAURI" ]] || die "the Tauri CLI is missing (ui/node_modules/.bin/tauri): run scripts/setup.sh"

case "$WHAT" in
  deb) bundles=deb ;;
  appimage) bundles=appimage ;;
  all) bundles=deb,appimage ;;
  *) die "unknown bundle '$WHAT': use deb, appimage or all" ;;
esac

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tauri"
if [[ $bundles == *appimage* ]] && ! [[ -x "$CACHE/linuxdeploy-x86_64.AppImage" && -x "$CACHE/linuxdeploy-plugin-gtk.sh" ]]; then
  msg="the AppImage needs linuxdeploy-x86_64.AppImage, linuxdeploy-plugin-gtk.sh, the AppImage plugin and AppRun-x86_64 in $CACHE. Tauri's bundler downloads them from GitHub (its first fetch is tauri-apps/binary-releases/releases/download/apprun-old/AppRun-x86_64), which this machine cannot reach, and no Debian, npm, PyPI or crates.io package found ships them. Copy them there from a machine with GitHub access to build it."
  [[ $WHAT == appimage ]] && die "$msg"
  echo "bundle: skipping the AppImage: $msg" >&2
  bundles=deb
fi

echo "== UI"
npm --prefix "$ROOT/ui" run --silent build
echo "== release build and bundles ($bundles), nice -n 19"
# The UI is built just above (tauri.conf's beforeBuildCommand runs in the wrong directory when the CLI is started
# from the repository root). The npm plugin packages lag the crates by a minor version (clipboard-manager 2.3.3
# against 2.5.0), which the CLI refuses unless told; the JavaScript API is the same.
cd "$ROOT"
nice -n 19 "$TAURI" build --bundles "$bundles" --ignore-version-mismatches \
  --config '{"build":{"beforeBuildCommand":""}}'

echo "== bundles"
find "$OUT" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' \) -printf '%s\t%p\n' |
  awk -F'\t' '{printf "  %.1f MB  %s\n", $1 / 1048576, $2}'
for deb in "$OUT"/deb/*.deb; do
  [[ -e $deb ]] || die "no .deb was produced in $OUT/deb"
  # The icons we ship must be in the package, with the desktop entry that names them.
  listing=$(dpkg-deb -c "$deb")
  icons=$(grep -c 'usr/share/icons/hicolor/.*/apps/.*\.png' <<<"$listing" || true)
  ((icons > 0)) || die "$deb has no icons under usr/share/icons/hicolor"
  grep -q 'usr/share/applications/.*\.desktop' <<<"$listing" || die "$deb has no desktop entry"
  echo "  $deb: $icons icon sizes, desktop entry present"
done
