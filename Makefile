# liblocust top-level Makefile: works on a fresh clone.
#
#   make            bootstrap autotools if needed, configure into build/, build
#   make demo       install missing Debian packages, build, run a short load test
#   make check      install missing Debian packages, build, run the whole suite
#   make check-asan the suite under ASan + UBSan (build-asan/)
#   make install    install under PREFIX (default /usr/local)
#   make bench      the benchmarks of bench/ (not tests)
#   make fuzz       each libFuzzer harness for a bounded time
#
# The autotools build always happens out of tree, in $(BUILD), so several
# build trees (plain, sanitizers) can live side by side.

BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr/local
CONFIGURE_FLAGS ?= --enable-werror
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SRC := $(CURDIR)

.PHONY: all deps build check check-asan demo install bench fuzz clean distclean format valgrind

all: build

deps:
	@sh scripts/install-deps.sh

# autoreconf runs under a lock: several build trees may ask at once.
configure: configure.ac Makefile.am $(wildcard */*.am */*/*.am)
	flock .autoreconf.lock autoreconf -fi
	@touch configure

$(BUILD)/Makefile: configure
	mkdir -p $(BUILD)
	cd $(BUILD) && $(SRC)/configure --prefix=$(PREFIX) $(CONFIGURE_FLAGS)

build: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) -j$(JOBS)

check: deps
	@$(MAKE) --no-print-directory build
	@sh scripts/run-checks.sh $(BUILD) $(JOBS)

$(ASAN_BUILD)/Makefile: configure
	mkdir -p $(ASAN_BUILD)
	cd $(ASAN_BUILD) && CC=clang CXX=clang++ $(SRC)/configure --prefix=$(PREFIX) \
		$(CONFIGURE_FLAGS) --enable-sanitizers --disable-shared

check-asan: deps $(ASAN_BUILD)/Makefile
	$(MAKE) -C $(ASAN_BUILD) -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		sh scripts/run-checks.sh $(ASAN_BUILD) $(JOBS)

demo: deps
	@$(MAKE) --no-print-directory build
	@sh scripts/demo.sh $(BUILD)

install: build
	$(MAKE) -C $(BUILD) install

bench: deps
	@$(MAKE) --no-print-directory build
	@sh bench/run.sh $(BUILD)

fuzz: deps
	@sh scripts/fuzz.sh

valgrind: build
	@sh scripts/valgrind.sh $(BUILD)

format:
	clang-format -i include/locust/*.h liblocust/*/*.[ch] cli/*.[ch] demo/*.[ch] tests/*.[ch] examples/*.c

clean:
	-[ -f $(BUILD)/Makefile ] && $(MAKE) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) $(ASAN_BUILD) autom4te.cache build-aux m4 configure configure~ \
		aclocal.m4 Makefile.in config.h.in config.h.in~
