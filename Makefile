# The two commands of README.md: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast lint bench clean

# Test processes for `make test`: tests waiting on workers, browsers and the database leave the
# CPU free, so four share two cores well (4 min 15 s against 6 min 45 s with three, README
# "Figures"). Each takes its own Redis database below REDIS_URL's (tests/environment.py): 15 to 12 in CI.
TEST_WORKERS ?= 4
# More pytest options for either target, e.g. PYTEST_ARGS="--durations=30".
PYTEST_ARGS ?=

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Creates the virtual environment, installs, migrates, loads the demo review and
# starts the web server and a Celery worker. Ctrl-C stops both.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py rundev

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # the one-way imports of docs/architecture.md
	OPENSYNTH_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run

# The whole suite, lint included; non-zero on any failure. Tests marked xdist_group run in one
# process, one after the other.
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The edit-test loop: the engine, figures, parsers and the services of each app; no browser,
# worker or service tests, no page or permission matrices (make test runs everything).
FAST_TESTS := tests/analysis/engine tests/analysis/plots tests/analysis/test_recompute_service.py \
	tests/reviews/importing tests/reviews/test_services.py tests/reviews/test_screening.py \
	tests/reviews/test_conflicts.py tests/reviews/test_duplicates.py tests/reviews/test_kappa.py \
	tests/reviews/test_screening_rules.py \
	tests/reviews/test_prisma.py tests/extraction/test_values.py tests/extraction/test_dual.py \
	tests/extraction/test_history_and_version.py tests/extraction/test_studies.py \
	tests/extraction/test_analysis_input.py tests/extraction/test_ipd.py tests/test_suite_environment.py
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m "not services and not browser and not shared" $(PYTEST_ARGS) $(FAST_TESTS)

bench: $(BIN)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
