# Two commands on a fresh machine: `make run` and `make test`. Both create the virtualenv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Local runs and the test suite use development settings; production sets DEBUG=false itself.
LOCAL_ENV := DEBUG=true
PYTEST_ARGS ?=
# `make test` runs the suite on one worker process per core (pytest-xdist), each on its own test
# database, every test module on one worker (its module-wide fixtures are set up once);
# `make test TEST_WORKERS=0` runs it in this one process.
TEST_WORKERS ?= auto

.PHONY: install setup run superuser test fuzz lint format check-deploy clean assets bench bench-smoke

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The local .env comes with the virtualenv, so that every README command works after any first
# make target (run, test, lint...), not only after `make run`.
install: $(STAMP) .env

# First run only: a local `.env` (DEBUG on, a generated SECRET_KEY), so that every
# `.venv/bin/python manage.py ...` command in the README works as written (manage.py writes the
# same file when a checkout has none). An existing .env is never touched; production sets its
# own environment and has no .env.
.env:
	@$(PYTHON) -c 'import manage; manage.write_local_env()'
	@echo "Wrote .env for local development (DEBUG on, a generated SECRET_KEY)."

# Everything `make run` does before serving: virtualenv, .env, migrations, reference data.
setup: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data

run: setup
	@echo ""
	@echo "Catalogue at http://127.0.0.1:8000/ (admin at /admin/, API at /api/v1/)."
	@echo "To sign in to the admin, create an account first (in another terminal):"
	@echo "    make superuser     # or: $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

superuser: setup
	$(BIN)/python manage.py createsuperuser

test: install
	$(LOCAL_ENV) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The long schemathesis run: every boundary case the schema defines and 100 generated cases per
# API operation (over 8,000 requests), as an anonymous reader, an editor and an administrator in
# turn; FUZZ_SEED=<n> explores other inputs.
FUZZ_EXAMPLES ?= 100
fuzz: install
	$(LOCAL_ENV) FUZZ_COVERAGE=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/api/test_fuzz.py \
		-p no:cacheprovider -q -s $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Production settings must pass Django's deployment checks with no warning.
check-deploy: install
	DEBUG=false SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# GOV.UK Frontend (version pinned in package.json and package-lock.json) copied into the static
# files of the public pages. Needs Node and npm; the result is committed, so `make run` does not.
# The precompiled CSS points at /assets/: made relative so that hashed static names work.
GOVUK_STATIC := catalogue/web/static/govuk-frontend
assets:
	npm ci --no-audit --no-fund
	rm -rf $(GOVUK_STATIC)
	mkdir -p $(GOVUK_STATIC)
	cp -R node_modules/govuk-frontend/dist/govuk/assets $(GOVUK_STATIC)/assets
	sed -e 's#url(/assets/#url(assets/#g' -e '/sourceMappingURL/d' \
		node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css > $(GOVUK_STATIC)/govuk-frontend.min.css
	sed -e '/sourceMappingURL/d' \
		node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js > $(GOVUK_STATIC)/govuk-frontend.min.js
	printf '%s\n' "GOV.UK Frontend $$(node -p 'require("./node_modules/govuk-frontend/package.json").version')," \
		"from the npm package govuk-frontend (https://github.com/alphagov/govuk-frontend)." \
		"Code: MIT License, Copyright (c) 2015 Crown Copyright (Government Digital Service)." \
		"Fonts, images and documentation: Crown copyright, Open Government Licence v3.0" \
		"(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)." \
		"Rebuild with: make assets" > $(GOVUK_STATIC)/LICENCE.txt
	awk '/^## Licence/{on=1;next} /^## /{on=0} on' node_modules/govuk-frontend/README.md >> $(GOVUK_STATIC)/LICENCE.txt

# The national-scale benchmark (BENCHMARKS.md): PostgreSQL only, via DATABASE_URL (a database it
# may fill with 100k generated platforms). Needs wrk for the load run (apt-get install wrk).
bench: install
	@test -n "$(DATABASE_URL)" || (echo "make bench needs DATABASE_URL=postgres://..."; exit 1)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Query counts (never times) of every benchmarked endpoint on 1,000 generated platforms: SQLite
# in a throwaway file unless DATABASE_URL is set (then an EMPTY database). Run by CI.
bench-smoke: install
	$(BIN)/python benchmarks/smoke.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache node_modules
