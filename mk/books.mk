# The books: statement import time per file over the fixture layouts (see bench/books.py).
.PHONY: bench-books

bench-books: $(STAMP)
	$(BIN)/python -m bench.books --markdown nlu/statements/BENCH.md
	$(BIN)/python -m bench.books_page

# /m/books server time p95 with 10 000 companies × 24 months stored, against 10 × 24 in the
# same run (see bench/books_page.py). Run as part of bench-books.
.PHONY: bench-books-page
bench-books-page: $(STAMP)
	$(BIN)/python -m bench.books_page

# /m/books and /m/checklist in headless Chromium over a throttled 4G profile (1.6 Mbit/s down,
# 750 kbit/s up, 150 ms latency, through CDP) and unthrottled in the same run: bytes, requests,
# DOMContentLoaded, load, chart drawn (see bench/books_4g.py). Needs `make browser-deps`.
.PHONY: bench-books-4g
bench-books-4g: $(STAMP) browser-deps
	$(BIN)/python -m bench.books_4g --markdown bench/BOOKS_4G.md
