# sluice — the two commands that matter on a fresh Debian machine:
#   make demo   installs what is missing, builds, starts a local ClickHouse, ingests 1 M rows
#   make test   installs, builds, starts the test servers, runs every test, stops them
BUILD ?= build
JOBS ?= 2
DEMO_PORT ?= 18123

.PHONY: setup build demo test bench clean format

setup:
	@scripts/setup

$(BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: setup $(BUILD)/build.ninja
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
