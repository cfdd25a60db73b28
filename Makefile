# sluice — the two commands that matter on a fresh Debian machine:
#   make demo   installs what is missing, builds, starts a local ClickHouse, ingests 1 M rows
#   make test   installs, builds, starts the test servers, runs every test, stops them
BUILD ?= build
JOBS ?= 2
DEMO_PORT ?= 18123
# Profile-guided build (default): an instrumented build's bench/pgo_train writes a profile once
# per build directory, and the real build is compiled with it. `make pgo` retrains (after changes
# to the hot paths); PGO=0 builds without a profile (quicker edit-compile cycles).
PGO ?= 1
# CPU level (CMakeLists.txt, SLUICE_CPU): auto = x86-64-v3 with PCLMUL if this machine has them;
# CPU=baseline builds for any x86-64 CPU. Each level has its own profile.
CPU ?= auto
PGO_DIR := $(abspath $(BUILD))/pgo-profile-$(CPU)
ifeq ($(PGO),1)
PGO_FLAGS := -DSLUICE_PGO=use -DSLUICE_PGO_DIR=$(PGO_DIR)
PGO_STAMP := $(PGO_DIR)/stamp
else
PGO_FLAGS := -DSLUICE_PGO=
PGO_STAMP :=
endif

.PHONY: setup build demo test bench clean format pgo

setup:
	@scripts/setup

$(PGO_DIR)/stamp:
	@echo "build: training run for the profile-guided build (once per build directory)"
	@cmake -S . -B $(BUILD)/pgo-generate -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSLUICE_PGO=generate -DSLUICE_PGO_DIR=$(PGO_DIR) -DSLUICE_CPU=$(CPU) >/dev/null
	@ninja -C $(BUILD)/pgo-generate -j $(JOBS) pgo_train | grep -v '^\[' || true
	@rm -rf $(PGO_DIR) && mkdir -p $(PGO_DIR)
	@$(BUILD)/pgo-generate/pgo_train
	@touch $@

pgo: setup
	@rm -f $(PGO_DIR)/stamp
	@$(MAKE) --no-print-directory build

build: setup $(PGO_STAMP)
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(PGO_FLAGS) -DSLUICE_CPU=$(CPU) >/dev/null
	@ninja -C $(BUILD) -j $(JOBS) | grep -v '^\[' || true
	@test -x $(BUILD)/sluice

demo: build
	@examples/quickstart/demo.sh $(BUILD)/sluice $(DEMO_PORT)

test: build
	@scripts/run-tests $(BUILD)

bench: build
	@bench/run.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD)
