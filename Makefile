# The two entry points of README.md; both install what they need first (tools/install.sh).
PY := $(or $(MMDN_VENV),$(CURDIR)/.venv)/bin/python
DEMO_CONFIG ?= configs/demo/dn_deformable_detr_pp_r18_fast_demo.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: install demo demo-dn-dab-detr test test-quick

install:
	bash tools/install.sh

demo: install
	bash tools/run_demo.sh $(DEMO_CONFIG) $(DEMO_WORK_DIR)

# The DN-DAB-DETR demo, the start of README's known-label fine-tuning.
demo-dn-dab-detr: install
	bash tools/run_demo.sh configs/demo/dn_dab_detr_r18_demo.py work_dirs/demo_dn_dab_detr

# The whole suite, over every core (pytest-xdist); its 30 slowest tests listed at the end.
test: install
	$(PY) -m pytest tests -q -n auto --durations=30 $(PYTEST_ARGS)

# The edit-test loop: the unit tests (no tool run, no config sweep, no subprocess).
test-quick: install
	$(PY) -m pytest tests -q -n auto -m "not slow" --ignore=tests/test_tools \
		--ignore=tests/test_configs $(PYTEST_ARGS)
