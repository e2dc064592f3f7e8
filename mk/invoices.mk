# Invoice reading: accuracy and latency over ../shared/fixtures/invoices (see bench/invoices.py).
.PHONY: bench-invoices

bench-invoices: $(STAMP)
	$(BIN)/python -m bench.invoices --markdown nlu/invoice/BENCH.md
