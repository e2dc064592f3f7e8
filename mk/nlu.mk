# NLU: the Rasa backend's own Python 3.10 environment, its model and server, and evaluations.
# `make rasa` builds .venv-rasa, trains and serves on 127.0.0.1:5005. `make test-rasa` trains,
# starts a server in the background, runs the live tests and the held-out evaluation against it,
# and stops the server even when something fails. `make nlu-eval` evaluates the embedded backend.
.PHONY: rasa rasa-venv rasa-train test-rasa nlu-eval nlu-eval-file nlu-bench nlu-dict nlu-pinyin

RASA_VENV := .venv-rasa
RASA_BIN := $(RASA_VENV)/bin
RASA_STAMP := $(RASA_VENV)/.installed
RASA_PORT ?= 5005
RASA_LOCAL_URL := http://127.0.0.1:$(RASA_PORT)
NLU_MODEL := nlu/models/nlu.tar.gz
NLU_TEST_FILE := nlu/tests/heldout.yml
# The blind sets (never trained on) are evaluated too; Rasa's figures on them come from CI.
# (Blind set A has been training data since 2026-11-30: nlu/data/nlu_blind_a.yml.)
NLU_TEST_FILES := nlu/tests/heldout.yml nlu/tests/heldout_b.yml nlu/tests/blind/blind_b.yml \
	nlu/tests/blind/blind_c.yml nlu/tests/blind/blind_e.yml nlu/tests/blind/blind_f.yml nlu/tests/blind/blind_g.yml nlu/tests/blind/blind_h.yml nlu/tests/blind/blind_i.yml nlu/tests/blind/blind_j.yml nlu/tests/blind/blind_k.yml nlu/tests/blind/blind_l.yml nlu/tests/blind/blind_m.yml nlu/tests/blind/blind_n.yml nlu/tests/blind/blind_o.yml nlu/tests/blind/blind_p.yml nlu/tests/blind/blind_q.yml nlu/tests/blind/blind_r.yml nlu/tests/blind/blind_s.yml nlu/tests/blind/blind_t.yml nlu/tests/blind/blind_u.yml nlu/tests/blind/blind_v.yml nlu/tests/blind/blind_w.yml nlu/tests/blind/blind_x.yml nlu/tests/blind/blind_y.yml nlu/tests/blind/blind_z.yml \
	nlu/tests/blind/blind_aa.yml nlu/tests/blind/blind_ab.yml nlu/tests/blind/blind_ac.yml nlu/tests/blind/blind_ad.yml \
	nlu/tests/probe_r3.yml
# Rasa 3.6 needs Python 3.10 (it pins SQLAlchemy 1.4 and TensorFlow 2.12). Prefer a pyenv
# install over the pyenv shim, which refuses to run when 3.10 is not the selected version.
PY310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10))
RASA_ENV := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1

# pip < 24.1 and setuptools < 70: rasa 3.6's dependency metadata and its use of pkg_resources
# break with newer ones. TensorFlow is a ~600 MB download: the progress bar stays on.
$(RASA_STAMP):
	@test -n "$(PY310)" || { echo "python3.10 not found (set PY310=/path/to/python3.10)"; exit 1; }
	$(PY310) -m venv $(RASA_VENV)
	$(RASA_BIN)/pip install --progress-bar on -U "pip<24.1" "setuptools<70" wheel
	$(RASA_BIN)/pip install --progress-bar on rasa==3.6.21 jieba==0.42.1
	$(RASA_ENV) $(RASA_BIN)/rasa --version
	@touch $@

rasa-venv: $(RASA_STAMP)

$(NLU_MODEL): $(RASA_STAMP) nlu/config.yml $(wildcard nlu/data/*.yml) $(wildcard nlu/jieba/*.txt)
	$(RASA_ENV) $(RASA_BIN)/rasa train nlu --nlu nlu/data --config nlu/config.yml \
		--out nlu/models --fixed-model-name nlu

rasa-train: $(NLU_MODEL)

rasa: $(NLU_MODEL)
	$(RASA_ENV) $(RASA_BIN)/rasa run --enable-api -m nlu/models --port $(RASA_PORT) -i 127.0.0.1

test-rasa: $(STAMP) $(NLU_MODEL)
	@mkdir -p var
	@set -u; \
	$(RASA_ENV) $(RASA_BIN)/rasa run --enable-api -m $(NLU_MODEL) --port $(RASA_PORT) \
		-i 127.0.0.1 > var/rasa-server.log 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; true' EXIT INT TERM; \
	echo "waiting for Rasa (pid $$pid) on $(RASA_LOCAL_URL) ..."; \
	up=0; for i in $$(seq 1 300); do \
		if curl -sf $(RASA_LOCAL_URL)/status >/dev/null 2>&1; then up=1; break; fi; \
		if ! kill -0 $$pid 2>/dev/null; then break; fi; sleep 1; \
	done; \
	if [ $$up != 1 ]; then echo "Rasa did not come up:"; tail -50 var/rasa-server.log; exit 1; fi; \
	echo "Rasa is up after $$i s"; \
	status=0; \
	RASA_URL=$(RASA_LOCAL_URL) $(BIN)/pytest -m rasa -q -p no:cacheprovider tests/integration/nlu || status=1; \
	for f in $(NLU_TEST_FILES); do \
		out=var/nlu-eval-rasa-$$(basename $$f .yml).json; \
		$(BIN)/yunkuaiji nlu eval $$f --backend rasa --rasa-url $(RASA_LOCAL_URL) > $$out || status=1; \
		cat $$out; \
	done; \
	exit $$status

nlu-eval: $(STAMP)
	@mkdir -p var
	@for f in $(NLU_TEST_FILES); do \
		out=var/nlu-eval-embedded-$$(basename $$f .yml).json; \
		$(BIN)/yunkuaiji nlu eval $$f --backend embedded > $$out || exit 1; \
		cat $$out; \
	done

# One new file, scored once, for a person: `make nlu-eval-file FILE=/path/blind_d.yml`
# (BACKEND=rasa with a server on RASA_PORT). Prints accuracy, macro F1, out-of-scope caught,
# recall per intent and every confused pair against the targets, no utterance; the full JSON
# (misclassified lines included) goes to var/nlu-eval-<backend>-<name>.json, unread unless opened.
BACKEND ?= embedded
nlu-eval-file: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make nlu-eval-file FILE=path/to/set.yml [BACKEND=rasa]"; exit 2; }
	@mkdir -p var
	$(BIN)/yunkuaiji nlu eval $(FILE) --backend $(BACKEND) --rasa-url $(RASA_LOCAL_URL) --text \
		--errors --save var/nlu-eval-$(BACKEND)-$$(basename $(FILE) .yml).json

nlu-bench: $(STAMP)
	$(BIN)/python -m bench.nlu

nlu-dict: $(STAMP)
	$(BIN)/python -m nlu.jieba_dict

# The pinyin reader's word table (nlu/pinyin_words.txt) from the training data and the small
# jieba dictionary; run after a large data change.
nlu-pinyin: $(STAMP)
	$(BIN)/python -m nlu.pinyin_table
