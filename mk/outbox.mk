# Outbound: the outbox sender against the sandbox WeChat emulator (figures in bench/OUTBOX.md).
.PHONY: bench-outbox test-outbound

bench-outbox: $(STAMP)
	$(BIN)/python -m bench.outbox

test-outbound: $(STAMP)
	$(BIN)/pytest -q tests/unit/outbound tests/integration/outbound tests/e2e/test_outbound.py tests/e2e/test_sandbox.py
