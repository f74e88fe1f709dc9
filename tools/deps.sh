#!/usr/bin/env bash
# Installs every Debian 12 package Banwatch needs to build, run and test.
# Idempotent: a machine that has them all is left alone.
set -euo pipefail

packages=(
  # build
  meson ninja-build gcc binutils pkg-config gettext itstool python3
  libglib2.0-dev libgtk-3-dev libssh-dev libnotify-dev libsecret-1-dev
  libayatana-appindicator3-dev libdbusmenu-glib-dev libjson-glib-dev libsqlite3-dev
  clang libclang-rt-14-dev
  # real services the tests run
  openssh-server openssh-client fail2ban nftables iproute2 procps rsync
  xvfb xauth x11-utils xdotool imagemagick dbus-daemon dbus-bin libglib2.0-bin
  gnome-keyring libsecret-tools dunst trayer
  haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils
  at-spi2-core python3-gi gir1.2-glib-2.0 gir1.2-atspi-2.0 gir1.2-gtk-3.0
  locales fonts-ipafont-gothic
  adwaita-icon-theme fonts-dejavu-core librsvg2-common
  desktop-file-utils appstream
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: run as root, or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi

echo "deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Debian starts the services these packages ship; the tests run their own private
# instances and need nothing from the system ones. Leave them as the admin had them.
