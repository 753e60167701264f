# Two commands matter: `make run` and `make test`. Both build the virtualenv from nothing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every queue, from the one list (shop_video/queues.py); read when a target uses it, after the install.
WORKER_QUEUES = $(shell $(BIN)/python -m shop_video.queues)
# The CPU build of torch (a local wheel on our machines). On a GPU worker: make install TORCH_SPEC='torch==2.13.0'
# from an index that serves the CUDA build (docs/models.md).
TORCH_SPEC ?= torch==2.13.0

.PHONY: install run web worker lint test test-embedded migrate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(TORCH_SPEC)'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,dit]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# The whole platform on one machine: migrate, seed the demo, then the web app and a worker in the foreground.
# preset_previews only queues (the worker renders each built-in's gallery preview in the background, once).
run: migrate
	$(BIN)/python -m shop_video.local_secret
	$(BIN)/python manage.py c2pa_dev_certificate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py preset_previews
	$(BIN)/honcho --procfile deploy/Procfile.dev --app-root . start

web: install
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# One worker that consumes every queue, with the embedded beat that reaps shots whose worker died.
worker: install
	$(BIN)/python manage.py c2pa_dev_certificate
	$(BIN)/celery -A shop_video worker --queues $(WORKER_QUEUES) --concurrency 2 --beat \
		--without-mingle --without-gossip --loglevel INFO

# Lint and formatting first: a style slip fails in seconds, before the long suite (configuration: pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on whatever DATABASE_URL / CELERY_BROKER_URL say (CI: PostgreSQL + Redis); then the end-to-end
# tests on RabbitMQ if AMQP_BROKER_URL is set, and again on the embedded defaults (SQLite + filesystem broker)
# if the first run used something else. The reruns leave out the preset matrix (marked presets too): it renders
# 36 videos to check how they look, which no broker changes; the first run renders it through a real worker.
# They leave out the fleet tests too (marked fleet): separate web and worker processes on a bucket, which need a
# database and a broker that every process reaches, so they run once, on the first run's. And the tests marked
# one_broker: the dashboard in a browser, the GPU child's slow preload (always on Redis), every DiT family and the
# CPU presenter preset, whose messages take the same dispatch and acknowledgement path that the reruns already
# check through test_render_through_worker, the shutdown hand-back, the live room, the push and one GPU queue
# (the tiny LTX-2 presenter); run twice more they cost about five minutes of CI and check nothing new.
E2E_RERUN := -m "e2e and not presets and not fleet and not one_broker"
test: lint
	$(BIN)/python -m pytest
	@if [ -n "$$AMQP_BROKER_URL" ]; then \
		echo "--- end-to-end again with RabbitMQ as the broker"; \
		CELERY_BROKER_URL="$$AMQP_BROKER_URL" $(BIN)/python -m pytest $(E2E_RERUN); fi
	@if [ -n "$$DATABASE_URL$$CELERY_BROKER_URL" ]; then \
		echo "--- end-to-end again on the embedded defaults (SQLite + filesystem broker)"; \
		$(MAKE) --no-print-directory test-embedded; fi

test-embedded: install
	env -u DATABASE_URL -u CELERY_BROKER_URL $(BIN)/python -m pytest $(E2E_RERUN)

clean:
	rm -rf $(VENV) var .pytest_cache
