# The production layout in deploy/: Debian's nginx, so tests/integration/test_deploy.py can run
# `nginx -t` on the site file. Idempotent and silent when installed; CI runs `make -s nginx-deps`.
.PHONY: nginx-deps test-deploy

NGINX := /usr/sbin/nginx

nginx-deps:
	@if [ ! -x $(NGINX) ]; then \
		echo "installing nginx-light (apt)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	fi

test-deploy: $(STAMP) nginx-deps
	$(BIN)/pytest -q tests/integration/test_deploy.py
