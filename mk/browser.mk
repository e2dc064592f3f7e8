# Browser tests: Debian's Chromium (and CJK fonts, so Chinese renders in screenshots) for
# tests/browser/. Idempotent and silent when already installed; CI runs `make -s browser-deps`.
.PHONY: browser-deps test-browser

CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

browser-deps:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(CJK_FONT) ]; then \
		echo "installing chromium and fonts-noto-cjk (apt)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

test-browser: $(STAMP) browser-deps
	$(BIN)/pytest -q tests/browser
