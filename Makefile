# Thin targets; each creates .venv first if needed.  Python 3.11+ and make are all it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# reinstall when the project's metadata changes
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/gradcli eval "x*y*z" --x 2 --y 3 --z 4
	$(BIN)/gradcli eval "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)" --x 2 --y 3

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check gradcli tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
