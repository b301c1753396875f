# Benchmarks and fault injection. The Makefile includes this file: `include mk/bench.mk`
# (and drops its own `bench` rule).
#
#   make bench        baselines (bcrypt bound, bare Flask, raw consume, raw bulk write), N virtual
#                     subscribers end to end, login / read / registration hammers, /me and /services
#                     in an open loop at half the bare-Flask rate and /me at shares of its own
#                     (bare Flask and the reads sent by vegeta, built once from the Go module proxy),
#                     unknown- vs known-login failure timing, /me under the login hammer, event→projection
#                     lag at 20, 50 and 200 registrations/s and at 200 billing-feed records/s, a
#                     pyinstrument profile, then every other tests/bench/bench_*.py
#                     benchmark; writes bench/results/<date>.json, .md and .png (~7 min + the others)
#   make bench-quick  the same, small, into .run/bench-quick (a smoke run, not for the record)
#   make chaos        the quick fault tests (also in `make test`) and the heavy ones: a 3-broker
#                     Kafka with its leader SIGKILLed under load, 2 of 3 brokers down, a real Mongo
#                     server stop, kill -9 of every process; on private servers (~10 min)
#
# BENCH_ARGS / CHAOS_ARGS pass options through, e.g. `make bench BENCH_ARGS="--subscribers 100"`.
BENCH_ARGS ?=
CHAOS_ARGS ?=

.PHONY: bench bench-quick chaos

bench: venv
	$(PY) tests/bench/run_bench.py $(BENCH_ARGS)

bench-quick: venv
	$(PY) tests/bench/run_bench.py --quick --no-others $(BENCH_ARGS)

# files, not the directory: given `tests/chaos` too, pytest dropped chaos_heavy.py (not a test_*
# name) from the run, so `make chaos` ran only the quick tests
chaos: venv
	$(PY) -m pytest tests/chaos/test_*.py tests/chaos/chaos_heavy.py -p no:cacheprovider $(CHAOS_ARGS)
