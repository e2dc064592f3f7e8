# Payments: WeChat Pay notification handling on one core (see bench/pay.py), and its tests.
.PHONY: bench-pay test-pay

bench-pay: $(STAMP)
	$(BIN)/python -m bench.pay && $(BIN)/python -m bench.reminders

test-pay: $(STAMP)
	$(BIN)/pytest -q tests/unit/billing tests/unit/pay tests/integration/billing \
		tests/integration/test_cli_billing.py tests/e2e/test_pay_notify.py tests/e2e/test_pay_sandbox.py \
		tests/e2e/test_renewal_sandbox.py tests/e2e/admin/test_bill_refunds.py \
		tests/e2e/mobile tests/unit/mobile
