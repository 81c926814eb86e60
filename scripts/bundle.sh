#!/usr/bin/env bash
# Builds the release app and its Linux bundles with our icons (src-tauri/tauri.conf.json `bundle`):
#   .deb       with Tauri's bundler (dpkg-deb, from the Debian packages setup installs), with the `ssopilot` command
#              in /usr/bin beside the app (bundle.linux.deb.files) and its desktop entry renamed without the space
#              Tauri takes from the product name ("SSO Pilot.desktop" becomes ssopilot-app.desktop);
#   AppImage   packed here from the .deb's files, because Tauri's own AppImage bundler downloads linuxdeploy and its
#              AppRun from GitHub, which this machine and CI cannot reach and no package registry ships. The AppImage
#              type-2 runtime comes from the crates.io crate `appimage` (its assets/runtime-x86_64, the AppImageKit
#              runtime, checked against the hash below) and the squashfs from Debian's squashfs-tools, which this
#              script installs when it is missing. Unlike linuxdeploy's AppImages it does not carry GTK and
#              WebKitGTK: like the .deb, it runs where libwebkit2gtk-4.1-0 is installed.
# Not part of scripts/test.sh (a release build is long on 2 cores). Usage: scripts/bundle.sh [deb|appimage|all]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAURI="$ROOT/ui/node_modules/.bin/tauri"
WHAT="${1:-all}"
OUT="$ROOT/target/release/bundle"
RUNTIME_CRATE_VERSION=0.4.0
RUNTIME_SHA256=328e0d745c5c6817048c27bc3e8314871703f8f47ffa81a37cb06cd95a94b323

die() { echo "bundle: $*" >&2; exit 1; }
[[ -x "$TAURI" ]] || die "the Tauri CLI is missing (ui/node_modules/.bin/tauri): run scripts/setup.sh"

case "$WHAT" in
  deb | appimage | all) ;;
  *) die "unknown bundle '$WHAT': use deb, appimage or all" ;;
esac

# The AppImage runtime: fetched (not built) through cargo as the source of the crate `appimage`, from a throw-away
# manifest outside the workspace; prints the runtime's path.
appimage_runtime() {
  local probe="$ROOT/target/appimage-runtime" manifest_dir runtime
  mkdir -p "$probe/src"
  : >"$probe/src/lib.rs"
  cat >"$probe/Cargo.toml" <<TOML
[package]
name = "appimage-runtime-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
appimage = "=$RUNTIME_CRATE_VERSION"

[workspace]
TOML
  cargo fetch --quiet --manifest-path "$probe/Cargo.toml" >&2 ||
    die "could not fetch the crate appimage $RUNTIME_CRATE_VERSION (the AppImage runtime) from crates.io"
  manifest_dir=$(cargo metadata --quiet --format-version 1 --manifest-path "$probe/Cargo.toml" |
    python3 -c 'import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "appimage":
        print(os.path.dirname(p["manifest_path"]))')
  runtime="$manifest_dir/assets/runtime-x86_64"
  [[ -f $runtime ]] || die "the crate appimage $RUNTIME_CRATE_VERSION has no assets/runtime-x86_64 (looked in '$manifest_dir')"
  sha256sum --quiet -c <<<"$RUNTIME_SHA256  $runtime" >&2 ||
    die "$runtime does not have the expected SHA-256 $RUNTIME_SHA256: refusing to build an AppImage with an unknown runtime"
  echo "$runtime"
}

# Packs <deb> into an AppImage beside it in $OUT/appimage: the deb's usr/ tree, with the desktop entry, the largest
# icon, .DirIcon and AppRun (a link to the binary the desktop entry starts) at the top, as the AppImage format wants.
pack_appimage() {
  local deb="$1" runtime="$2" dir appdir payload image desktop exec_name icon_name icon
  dir="$OUT/appimage"
  appdir="$dir/AppDir"
  payload="$dir/payload.squashfs"
  image="$dir/$(basename "$deb" .deb).AppImage"
  rm -rf "$dir"
  mkdir -p "$dir"
  dpkg-deb -x "$deb" "$appdir"
  desktop=$(find "$appdir/usr/share/applications" -name '*.desktop' -print -quit)
  [[ -n $desktop ]] || die "$deb has no desktop entry to start the AppImage with"
  exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
  icon_name=$(sed -n 's/^Icon=//p' "$desktop")
  [[ -x "$appdir/usr/bin/$exec_name" ]] || die "the desktop entry starts '$exec_name', which is not in $deb's usr/bin"
  icon=$(find "$appdir/usr/share/icons/hicolor" -name "$icon_name.png" -printf '%s\t%p\n' | sort -n | tail -1 | cut -f2)
  [[ -n $icon ]] || die "$deb has no $icon_name.png icon for the AppImage"
  cp "$desktop" "$appdir/"
  cp "$icon" "$appdir/$icon_name.png"
  ln -s "$icon_name.png" "$appdir/.DirIcon"
  # AppRun starts the app, or the ssopilot command for support staff: when the AppImage is called through a link
  # named ssopilot (the runtime passes the name it was called by in ARGV0), or with `cli` first.
  [[ -x "$appdir/usr/bin/ssopilot" ]] || die "$deb does not ship the ssopilot command in usr/bin"
  cat >"$appdir/AppRun" <<APPRUN
#!/bin/sh
# SSO Pilot: the desktop app; the ssopilot command when called as ssopilot or with "cli" first.
here=\$(dirname "\$(readlink -f "\$0")")
case "\$(basename "\${ARGV0:-\$0}")" in
  ssopilot) exec "\$here/usr/bin/ssopilot" "\$@" ;;
esac
if [ "\${1:-}" = cli ]; then
  shift
  exec "\$here/usr/bin/ssopilot" "\$@"
fi
exec "\$here/usr/bin/$exec_name" "\$@"
APPRUN
  chmod 755 "$appdir/AppRun"
  # gzip: the runtime reads zlib, xz, lzo and lz4 squashfs, not zstd.
  mksquashfs "$appdir" "$payload" -root-owned -noappend -comp gzip -quiet -no-progress >&2
  cat "$runtime" "$payload" >"$image"
  chmod 755 "$image"
  rm -f "$payload"
  # The runtime must find the payload and its entry point: extract the image, and call the command both ways.
  (cd "$dir" && "$image" --appimage-extract >/dev/null)
  cmp -s "$dir/squashfs-root/usr/bin/$exec_name" "$appdir/usr/bin/$exec_name" ||
    die "$image does not extract to the app's binary"
  "$dir/squashfs-root/AppRun" cli --version | grep -q '^ssopilot ' ||
    die "$image cli --version does not run the ssopilot command"
  ARGV0=ssopilot "$dir/squashfs-root/AppRun" --version | grep -q '^ssopilot ' ||
    die "$image called as ssopilot does not run the ssopilot command"
  rm -rf "$dir/squashfs-root" "$appdir"
  echo "$image"
}

if [[ $WHAT != deb ]] && ! command -v mksquashfs >/dev/null; then
  ((EUID == 0)) || die "the AppImage needs mksquashfs: install the Debian package squashfs-tools (sudo apt-get install squashfs-tools)"
  echo "bundle: installing squashfs-tools (mksquashfs) for the AppImage" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends squashfs-tools >/dev/null
fi
runtime=""
[[ $WHAT == deb ]] || runtime=$(appimage_runtime)

echo "== UI"
npm --prefix "$ROOT/ui" run --silent build
echo "== the ssopilot command (release), which the .deb ships in /usr/bin, nice -n 19"
nice -n 19 cargo build --release -p ssopilot --manifest-path "$ROOT/Cargo.toml"
echo "== release build and the .deb, nice -n 19"
# The UI is built just above (tauri.conf's beforeBuildCommand runs in the wrong directory when the CLI is started
# from the repository root). The npm plugin packages lag the crates by a minor version (clipboard-manager 2.3.3
# against 2.5.0), which the CLI refuses unless told; the JavaScript API is the same.
cd "$ROOT"
nice -n 19 "$TAURI" build --bundles deb --ignore-version-mismatches \
  --config '{"build":{"beforeBuildCommand":""}}'

# The desktop entry: Tauri names it after the product name, with its space ("SSO Pilot.desktop"), which menus and
# `desktop-file-validate` dislike; it becomes <binary>.desktop, and the package's md5sums follow.
rename_desktop_entry() {
  local deb="$1" dir entry
  dir=$(mktemp -d "$OUT/deb/repack.XXXXXX")
  dpkg-deb -R "$deb" "$dir"
  entry=$(find "$dir/usr/share/applications" -name '*.desktop' -print -quit)
  [[ -n $entry ]] || die "$deb has no desktop entry"
  if [[ $(basename "$entry") == *" "* ]]; then
    mv "$entry" "$dir/usr/share/applications/$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry").desktop"
    (cd "$dir" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
    dpkg-deb --root-owner-group --build "$dir" "$deb" >/dev/null
  fi
  rm -rf "$dir"
}

echo "== bundles"
debs=("$OUT"/deb/*.deb)
[[ -e ${debs[0]} ]] || die "no .deb was produced in $OUT/deb"
for deb in "${debs[@]}"; do
  rename_desktop_entry "$deb"
  # The icons we ship must be in the package, with the desktop entry that names them.
  listing=$(dpkg-deb -c "$deb")
  icons=$(grep -c 'usr/share/icons/hicolor/.*/apps/.*\.png' <<<"$listing" || true)
  ((icons > 0)) || die "$deb has no icons under usr/share/icons/hicolor"
  grep -q 'usr/share/applications/[^ ]*\.desktop$' <<<"$listing" || die "$deb has no desktop entry named without a space"
  grep -q '\./usr/bin/ssopilot$' <<<"$listing" || die "$deb does not ship the ssopilot command in /usr/bin"
  dpkg-deb -f "$deb" Description | sed -n '2p' | grep -q . || die "$deb has no long description"
  echo "  $deb: $icons icon sizes, desktop entry, the ssopilot command, a long description"
  [[ -z $runtime ]] || pack_appimage "$deb" "$runtime" >/dev/null
done
find "$OUT" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' \) -printf '%s\t%p\n' |
  awk -F'\t' '{printf "  %.1f MB  %s\n", $1 / 1048576, $2}'
