# The two entry points of README.md; both install what they need first (tools/install.sh).
PY := $(or $(MMDN_VENV),$(CURDIR)/.venv)/bin/python
DEMO_CONFIG ?= configs/demo/dn_dab_detr_r18_demo.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: install demo test

install:
	bash tools/install.sh

demo: install
	bash tools/run_demo.sh $(DEMO_CONFIG) $(DEMO_WORK_DIR)

test: install
	$(PY) -m pytest tests -q $(PYTEST_ARGS)
