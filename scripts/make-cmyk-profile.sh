#!/bin/sh
# Makes the CMYK output profile that PDF/X-4 copies carry as their output intent:
# src/communique/data/icc/FOGRA39L-coated.icc, from FOGRA's characterization data FOGRA39L
# (Debian's icc-profiles-free, zlib licence) with ArgyllCMS's colprof (Debian's argyll).
# Run by a maintainer when the profile should change; the build only reads the committed file.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/src/communique/data/icc"
data=/usr/share/color/icc/FOGRA39L.ti3
if ! command -v colprof >/dev/null || [ ! -f "$data" ]; then
  echo "needs: apt-get install -y argyll icc-profiles-free" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$data" "$work/FOGRA39L.ti3"
cd "$work"
colprof -qm -cmt -dpp -S /usr/share/color/argyll/ref/sRGB.icm \
  -D "Coated FOGRA39 (ISO 12647-2:2004/Amd 1), made by communique from FOGRA39L (icc-profiles-free)" \
  -C "Made from FOGRA39L.ti3 (c) Kai-Uwe Behrmann, zlib licence; see LICENSE.txt" \
  FOGRA39L >/dev/null
cp FOGRA39L.icc "$out/FOGRA39L-coated.icc"
echo "wrote $out/FOGRA39L-coated.icc"
