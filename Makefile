# The two commands: `make run` and `make test`.  Both set everything up by themselves.
VENV := .venv
BIN := $(VENV)/bin
RUN_CONFIG ?= deploy/examples/agent-local.yaml

.PHONY: run test lint bench docs clean

# This machine's agent, the province collector (SQLite) and a simulated province of 20 sites
# pushing to it (simulate/demo.py); Ctrl-C stops everything.
run:
	scripts/bootstrap.sh run
	$(BIN)/python -m simulate.demo --agent-config $(RUN_CONFIG)

test:
	scripts/bootstrap.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m agent.metrics.catalogue | diff -u docs/metrics.md - || \
	  (echo "docs/metrics.md is stale: run 'make docs'" >&2; exit 1)
	$(BIN)/python -m collector.catalogue | diff -u docs/collector-metrics.md - || \
	  (echo "docs/collector-metrics.md is stale: run 'make docs'" >&2; exit 1)
	$(BIN)/python -m collector.alerts.catalogue_doc | diff -u docs/alerts.md - || \
	  (echo "docs/alerts.md is stale: run 'make docs'" >&2; exit 1)
	$(BIN)/python -m dashboards.generate --check || \
	  (echo "dashboards/json is stale: run 'make docs'" >&2; exit 1)
	$(BIN)/pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench:
	scripts/bootstrap.sh bench
	$(BIN)/python -m bench
	$(BIN)/python -m bench.national
	$(BIN)/python -m bench.detection

docs:
	$(BIN)/python -m agent.metrics.catalogue > docs/metrics.md
	$(BIN)/python -m collector.catalogue > docs/collector-metrics.md
	$(BIN)/python -m collector.alerts.catalogue_doc > docs/alerts.md
	$(BIN)/python -m agent.config.docs > docs/configuration.md
	$(BIN)/python -m dashboards.generate

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
