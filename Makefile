# Yidi: `make demo` runs the whole chain on local servers; `make test` runs every test.
# KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point at existing servers instead of the local ones.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export KAFKA_BOOTSTRAP_SERVERS ?= 127.0.0.1:19092
export DATABASE_URL ?= postgresql://postgres@127.0.0.1:55432/postgres
export YIDI_REFERENCE_DIR ?= $(abspath ../shared/reference)
LOCAL_INFRA := $(if $(filter 127.0.0.1:19092,$(KAFKA_BOOTSTRAP_SERVERS)),yes,)
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PY := .venv/bin/python
SERVICES := grouper pricing budget audit clearing subscriptions reports dashboard

.PHONY: help install infra infra-down up down status migrate topics demo test test-unit test-integration token \
        bench bench-grouper bench-clearing soak clean screenshots

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: .venv/.synced  ## install uv, Python deps, Java 17 + Maven, Chromium + a CJK font, PostgreSQL if missing
	@# the dashboard's browser test: Debian's Chromium (Playwright drives it; its own download is not used) and CJK glyphs
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q . || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null)

.venv/.synced: pyproject.toml libs/common/pyproject.toml $(wildcard services/*/pyproject.toml) uv.lock
	@command -v java >/dev/null && command -v mvn >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null)
	@command -v curl >/dev/null || (apt-get update -qq && apt-get install -y -qq curl >/dev/null)
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install -q uv
	@$(UV) sync --frozen --all-packages -q
	@touch $@

infra: install  ## start Kafka (KRaft) and PostgreSQL locally unless pointed at existing servers
ifeq ($(LOCAL_INFRA),yes)
	@deploy/local/postgres.sh start
	@deploy/local/kafka.sh start
endif

infra-down:
	@deploy/local/kafka.sh stop
	@deploy/local/postgres.sh stop

topics: infra  ## create every topic
	@$(PY) -m yidi_common.kafka_admin

up: topics  ## infrastructure, topics, migrations, then every service
	@deploy/local/services.sh start

down:  ## stop exactly what `make up` started
	@deploy/local/services.sh stop
	@$(MAKE) --no-print-directory infra-down

status:  ## what runs where
	@deploy/local/postgres.sh status
	@deploy/local/kafka.sh status
	@deploy/local/services.sh status

demo: up  ## bring everything up, post a month of generated settlement lists, print the summary
	@$(PY) -m yidi_demo.run $(DEMO_ARGS)

# The integration tests find their servers themselves (tests/integration/harness.py): the configured or
# local ones when they answer, else testcontainers when a Docker daemon answers, else they start the local ones.
test: install  ## unit tests, then integration tests on real Kafka and PostgreSQL
	@$(PY) -m pytest -q $(PYTEST_ARGS)

test-unit: install
	@$(PY) -m pytest -q -m "not integration" $(PYTEST_ARGS)

test-integration: install
	@$(PY) -m pytest -q tests/integration $(PYTEST_ARGS)

screenshots: install  ## rerun the dashboard's browser test and write the README's pictures into docs/screenshots
	@YIDI_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/integration/test_dashboard_browser.py $(PYTEST_ARGS)

token: install  ## print a development token: make token ROLE=bureau REGION=360100 (HOSPITAL=… for a hospital)
	@$(PY) -m yidi_common.auth.issuer token --role "$(ROLE)" --region "$(REGION)" --hospital "$(HOSPITAL)"

bench: up  ## end-to-end throughput and latency percentiles (BENCH_WARMUP, BENCH_LISTS, BENCH_LATENCY_LISTS, BENCH_RATES)
	@$(PY) -m yidi_demo.bench $(BENCH_ARGS)

bench-grouper: infra  ## grouping kernel on one core, and the grouper through Kafka with 1 and 2 workers
	@$(PY) services/grouper/bench/bench_grouper.py $(BENCH_ARGS)

soak: install  ## 100,000 lists while services, the broker and PostgreSQL die at random (SOAK_LISTS, SOAK_CHAOS_SECONDS); own stack
	@$(PY) -m yidi_demo.soak $(SOAK_ARGS)

bench-clearing: install  ## annual clearing of 1,000,000 priced cases
	@$(PY) services/clearing/bench/bench_clearing.py $(BENCH_ARGS)

clean: down  ## stop everything and delete local state
	rm -rf .local
