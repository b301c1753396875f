# Kabinet: `make run` brings the whole suite up on real servers, `make test` runs every test tier.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
KAFKA_NODES ?= 1

ifeq ($(KAFKA_NODES),3)
export KAFKA_BOOTSTRAP_SERVERS ?= 127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092
export KAFKA_REPLICATION_FACTOR ?= 3
endif

.PHONY: help venv infra run stop status logs test unit contracts integration e2e lint fmt clean

help:
	@echo "make run    - provision and start Kafka, the Mongo server, all services (KAFKA_NODES=3 for a cluster)"
	@echo "make stop   - stop everything make run started"
	@echo "make test   - every test tier on real servers (unit, contracts, integration, e2e)"
	@echo "make unit | contracts | integration | e2e | lint | bench | chaos | status | logs [NAME=...]"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "Kabinet needs Python 3.11+ as '$(PYTHON)' (set PYTHON=/path/to/python3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

infra: venv
	$(PY) deploy/infra.py start --kafka-nodes $(KAFKA_NODES)

run: infra
	$(PY) deploy/services.py start

stop:
	-@[ -x $(PY) ] && $(PY) deploy/services.py stop
	-@[ -x $(PY) ] && $(PY) deploy/infra.py stop

status: venv
	$(PY) deploy/infra.py status
	$(PY) deploy/services.py status

logs: venv
	$(PY) deploy/services.py logs $(NAME)

test: venv
	$(PY) -m pytest tests

unit: venv
	$(PY) -m pytest tests/unit

contracts: venv
	$(PY) -m pytest tests/contracts

integration: venv
	$(PY) -m pytest tests/integration

e2e: venv
	$(PY) -m pytest tests/e2e

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: stop
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache

include mk/bench.mk
