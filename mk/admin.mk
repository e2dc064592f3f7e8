# The admin panel: server time of the board, the client list with two tag filters and the
# performance page on 10 000 clients, 100 000 requests, 50 000 bills (see bench/admin.py).
.PHONY: bench-admin

bench-admin: $(STAMP)
	$(BIN)/python -m bench.admin
