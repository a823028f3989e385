#!/bin/sh
# The pictures of README "Drafts and negotiation", made by communique itself (tests/test_compare.py checks
# that they are up to date). Run from the repository root: scripts/make-pictures.sh [PYTHON [FOLDER]]
set -eu
python=${1:-.venv/bin/python}
out=${2:-docs/pictures}
export SOURCE_DATE_EPOCH=1746144000 # 2025-05-02
"$python" -m communique build docs/negotiation/draft-3.yaml --layout parallel --draft "Draft 3" \
    --format png --pages 1 --dpi 60 --out "$out" --quiet
mv "$out/draft-3-1.png" "$out/draft-page.png"
"$python" -m communique compare docs/negotiation/draft-2.yaml docs/negotiation/draft-3.yaml \
    --layout parallel --format png --pages 1-2 --dpi 60 --out "$out" >/dev/null
mv "$out/draft-3-redline-1.png" "$out/redline-summary.png"
mv "$out/draft-3-redline-2.png" "$out/redline-page.png"
