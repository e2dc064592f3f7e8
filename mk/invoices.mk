# Invoice reading: accuracy and latency over ../shared/fixtures/invoices (see bench/invoices.py).
.PHONY: bench-invoices

bench-invoices: $(STAMP)
	$(BIN)/python -m bench.invoices --markdown nlu/invoice/BENCH.md

# The month-start burst: 30 contacts x 10 photos in a minute while others chat (bench/burst.py).
.PHONY: bench-burst
bench-burst: $(STAMP)
	$(BIN)/python -m bench.burst

# Half an hour of a month-start morning (bench/soak.py): memory, WAL and queues over time.
.PHONY: soak
soak: $(STAMP)
	$(BIN)/python -m bench.soak
