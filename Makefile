# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test serve bench lint format translations screenshots clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The signing/HMAC key is generated once, into instance/, never committed.
instance/secret_key:
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

run: $(VENV)/.installed instance/secret_key
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production-style serving: gunicorn workers over the same app (see docs/scaling.md).
serve: $(VENV)/.installed instance/secret_key
	$(FLASK) db upgrade
	$(BIN)/gunicorn --config survey/gunicorn_conf.py wsgi:app

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev instance/secret_key
	$(BIN)/python -m bench.run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild the compiled Spanish catalogue after editing messages.po.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d survey/translations

screenshots: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/browser -m browser --screenshots -p no:randomly

clean:
	rm -rf $(VENV) build *.egg-info
