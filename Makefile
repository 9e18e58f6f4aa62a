# Two commands on a fresh machine: `make run` and `make test`. Both create the virtualenv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Local runs and the test suite use development settings; production sets DEBUG=false itself.
LOCAL_ENV := DEBUG=true
PYTEST_ARGS ?=

.PHONY: install run test fuzz lint format check-deploy clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput
	$(LOCAL_ENV) $(BIN)/python manage.py load_reference_data
	@echo ""
	@echo "Catalogue at http://127.0.0.1:8000/ (admin at /admin/, API at /api/v1/)."
	@echo "To sign in to the admin, create an account first:"
	@echo "    $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(LOCAL_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(LOCAL_ENV) $(BIN)/pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
