# communique: `make build` sets everything up and builds every seed; `make test` sets up and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
SEEDS := $(wildcard seeds/*.yaml)
LANGUAGE_SEEDS := $(wildcard seeds/languages/*.yaml)
LAYOUTS := sequential parallel interleaved

.PHONY: build test fuzz lint format bench clean setup wheel

build: $(READY)
	$(BIN)/communique build $(SEEDS) --out build/ --strict
	$(BIN)/communique build $(SEEDS) --out build/archival/ --archival --strict
	for layout in $(LAYOUTS); do \
	  $(BIN)/communique build $(LANGUAGE_SEEDS) --out build/languages/$$layout/ --layout $$layout --strict || exit 1; \
	done
	$(BIN)/communique build $(LANGUAGE_SEEDS) --out build/languages/archival/ --archival --strict
	$(BIN)/communique verify build/*.pdf build/archival/*.pdf build/languages/*/*.pdf

# Tests run on every core (pytest-xdist, a test module per worker); their temporary files, and every
# process's (TMPDIR: WeasyPrint's 45 MB font copies of a worker that exits without collecting them), in
# a short folder of their own, removed after: a batch's fork server listens on a socket under TMPDIR,
# whose path is at most 107 bytes.
test: $(READY)
	@free=$$(df -Pk /tmp | awk 'NR == 2 { print int($$4 / 1024) }'); \
	  if [ "$$free" -lt 1500 ]; then \
	    echo "make test: only $$free MB free in /tmp; the suite needs about 1.5 GB at its peak (free some space)"; \
	    exit 1; fi
	scratch=$$(mktemp -d /tmp/cq-XXXXXX) && \
	  { TMPDIR=$$scratch $(BIN)/python -m pytest -n auto --dist loadfile --basetemp=$$scratch; status=$$?; \
	    rm -rf $$scratch; exit $$status; }
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fuzz: $(READY)
	$(BIN)/python -m pytest -m fuzz -p no:cacheprovider -q

lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(READY)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(READY)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python bench/bench_commands.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_size.py seeds/tokyo-helsinki-2023.yaml seeds/languages/*.yaml
	$(BIN)/python bench/measure_typography.py
	$(BIN)/python bench/measure_copy.py

# The wheel of the committed files, built in a copy of them: setuptools' build/lib would otherwise land
# in the checkout's build/ (the PDFs' folder), and files it kept from an earlier build in the next wheel.
wheel: $(READY)
	copy=$$(mktemp -d) && trap 'rm -rf "$$copy"' EXIT && git archive HEAD | tar -x -C "$$copy" && \
	  $(BIN)/pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w dist "$$copy"

setup: $(READY)

$(READY): pyproject.toml requirements.lock scripts/system-deps.sh
	@sh scripts/system-deps.sh
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "communique needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(READY)

clean:
	rm -rf build/ .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
