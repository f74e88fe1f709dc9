#!/usr/bin/env bash
# Installs the build into a temporary DESTDIR and runs the installed binary from there.
#   check-install.sh BUILD_ROOT
set -euo pipefail
build=$1
dest=$(mktemp -d "${TMPDIR:-/tmp}/bw-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT

n=0 failed=0
ok () { n=$((n+1)); echo "ok $n - $1"; }
no () { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

if out=$(meson install -C "$build" --no-rebuild --destdir "$dest" 2>&1); then
  ok "meson install into a DESTDIR"
else
  no "meson install into a DESTDIR" "$(echo "$out" | tail -20)"
fi

prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root="$dest$prefix"

for f in bin/banwatch share/applications/io.github.banwatch.Banwatch.desktop \
         share/metainfo/io.github.banwatch.Banwatch.metainfo.xml \
         share/glib-2.0/schemas/io.github.banwatch.Banwatch.gschema.xml \
         share/dbus-1/services/io.github.banwatch.Banwatch.service \
         share/icons/hicolor/scalable/apps/io.github.banwatch.Banwatch.svg \
         share/icons/hicolor/symbolic/apps/io.github.banwatch.Banwatch-symbolic.svg \
         share/icons/hicolor/scalable/status/banwatch-heavier-symbolic.svg \
         share/man/man1/banwatch.1 share/locale/ja/LC_MESSAGES/banwatch.mo; do
  if [ -e "$root/$f" ]; then ok "installed $f"; else no "installed $f"; fi
done

libexecdir=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libexecdir"][0])')
app="$root/$libexecdir/banwatch-app"
if [ -x "$app" ]; then ok "installed the tray app's executable $libexecdir/banwatch-app"; else no "installed $libexecdir/banwatch-app"; fi
# The tray app stays up all day; libssh and OpenSSL are only ever loaded by probe children.
if needed=$(readelf -d "$app" 2>&1) && ! echo "$needed" | grep -Eq 'libssh|libcrypto'; then
  ok "banwatch-app does not link libssh or libcrypto"
else
  no "banwatch-app does not link libssh or libcrypto" "$(echo "$needed" | grep NEEDED)"
fi

module=$(find "$root" -name libbanwatch-app.so | head -1)
if [ -n "$module" ]; then ok "installed the desktop module ${module#$root/}"; else no "installed the desktop module"; fi
if find "$dest" -path '*xdg/autostart/io.github.banwatch.Banwatch.desktop' | grep -q .; then
  ok "installed the autostart entry"
else
  no "installed the autostart entry"
fi
if grep -q "Exec=$prefix/bin/banwatch --gapplication-service" "$root/share/dbus-1/services/io.github.banwatch.Banwatch.service"; then
  ok "the D-Bus service starts the installed binary"
else
  no "the D-Bus service starts the installed binary" "$(cat "$root/share/dbus-1/services/io.github.banwatch.Banwatch.service")"
fi

version=$("$root/bin/banwatch" --version 2>&1) && [[ $version == "banwatch "* ]] \
  && ok "installed banwatch --version: $version" || no "installed banwatch --version" "$version"

decoded=$(printf 'ssh: connect to host example.invalid port 10022: Connection refused\n' | "$root/bin/banwatch" decode --json 2>&1) \
  && echo "$decoded" | grep -q '"observation" : "refused"' \
  && ok "installed banwatch decode reads standard input" || no "installed banwatch decode" "$decoded"

echo "1..$n"
[ "$failed" -eq 0 ]
