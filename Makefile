# The two entry points of README.md; both install what they need first (tools/install.sh).
PY := $(or $(MMDN_VENV),$(CURDIR)/.venv)/bin/python
DEMO_CONFIG ?= configs/demo/dn_deformable_detr_pp_r18_fast_demo.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: install demo demo-dn-dab-detr lint test test-quick check-gpu

install:
	bash tools/install.sh

demo: install
	bash tools/run_demo.sh $(DEMO_CONFIG) $(DEMO_WORK_DIR)

# The DN-DAB-DETR demo, the start of README's known-label fine-tuning.
demo-dn-dab-detr: install
	bash tools/run_demo.sh configs/demo/dn_dab_detr_r18_demo.py work_dirs/demo_dn_dab_detr

# ruff: pycodestyle, pyflakes and import order (pyproject.toml), over the whole tree.
lint: install
	$(dir $(PY))ruff check .

# pytest-xdist workers: one more than the cores, as the tool tests wait on their
# subprocesses and on gloo peers. glibc's malloc keeps freed memory (up to 32 MB blocks
# from the heap, no trimming) instead of returning it to the kernel after every tensor:
# page faults cost about a fifth of a config test's CPU time (docs/testing.md).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
TEST_ENV := MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 \
	MALLOC_TOP_PAD_=1073741824

# The whole suite, over every core (pytest-xdist); its 30 slowest tests listed at the end.
test: install
	$(TEST_ENV) $(PY) -m pytest tests -q -n $(TEST_WORKERS) --durations=30 $(PYTEST_ARGS)

# The edit-test loop: the unit tests (no training run, no config sweep, no subprocess).
test-quick: install
	$(TEST_ENV) $(PY) -m pytest tests -q -n $(TEST_WORKERS) -m "not slow" \
		--ignore=tests/test_tools --ignore=tests/test_configs $(PYTEST_ARGS)

# The GPU acceptance check (docs/get_started.md, "GPU"): one table, a few minutes on one
# GPU; it refuses without CUDA. CHECK_GPU_ARGS='--device cpu' runs it small on the CPU.
check-gpu: install
	$(PY) tools/misc/check_gpu.py $(CHECK_GPU_ARGS)
