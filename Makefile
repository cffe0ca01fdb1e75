# Shortcuts; the scripts are the real commands (a fresh machine may not have make).
.PHONY: run test bench
run:
	scripts/run
test:
	scripts/test
bench:
	scripts/bench
