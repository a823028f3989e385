#!/bin/sh
# Make sure the system packages communique needs are present: Pango and HarfBuzz-subset (WeasyPrint),
# qpdf (`communique verify`), faketime (the test that builds "on another day") and poppler-utils
# (the tests read PDFs with pdftotext and pdffonts as readers do; `--format svg` draws pages with
# pdftocairo), Chromium (the preview's test opens the page in a real browser, driven by Playwright) and
# SoftHSM2 (the signing tests sign with a key on a real PKCS#11 token).
# As root with apt-get, install what is missing; otherwise print the exact command and fail.
set -eu

PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 qpdf faketime poppler-utils chromium softhsm2"

have_lib() {
    ldconfig -p 2>/dev/null | grep -q "$1"
}

missing=""
have_lib 'libpango-1.0.so.0' || missing="$missing libpango-1.0-0"
have_lib 'libpangoft2-1.0.so.0' || missing="$missing libpangoft2-1.0-0"
have_lib 'libharfbuzz-subset.so.0' || missing="$missing libharfbuzz-subset0"
command -v qpdf >/dev/null 2>&1 || missing="$missing qpdf"
command -v faketime >/dev/null 2>&1 || missing="$missing faketime"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing="$missing softhsm2"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
        apt-get update -q >/dev/null && apt-get install -y --no-install-recommends $missing
    }
    exit 0
fi

echo "Missing system packages:$missing" >&2
echo "Install them, then run make again:" >&2
echo "    sudo apt-get install$missing" >&2
echo "(all of them: sudo apt-get install $PACKAGES)" >&2
exit 1
