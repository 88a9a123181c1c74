# pcw - the parallel C workbook.
#   make            build the grader, the tests, every chapter and solution
#   make grade      install what is missing, then grade chapters/ (SUB=dir, CH=NN)
#   make test       install what is missing, then run every test
#   make chapters   build your chapter programs into build/chapters/NN-slug/PROG
#   make next       grade chapters in order, stop at the first not done (FAST=1: no slow passes)
#   make list       every chapter: status, score, hints seen
#   make watch      re-check the current chapter on every save (CH=NN for another)
#   make run CH=NN ARGS="..."  build a chapter with the grader's flags and run it
#   make hint CH=NN the chapter's hints, one more each time (ALL=1: all of them)
#   make skip CH=NN / make unskip CH=NN  leave a chapter for later, come back to it
ifeq ($(origin CC),default)
CC := gcc
endif
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror
STD     := -std=c17 -D_DEFAULT_SOURCE
# The contract's flags for chapter programs (../shared/CONTRACT.md).
CHAPTER_CFLAGS := $(STD) -O2 -g -pthread -Wall -Wextra -Igrader/include
CHAPTER_LIBS   := -lrt -lm

DEBIAN_PACKAGES := gcc clang make valgrind check libjansson-dev pkg-config gnuplot-nox \
                   libclang-rt-dev tmux inotify-tools python3 procps zip unzip strace patch

# Two mains, grade.c (the grader) and workbook.c (the student runner), over the same layers.
GRADER_MAINS := grader/grade.c grader/workbook.c
GRADER_SRC := $(filter-out grader/probe.c $(GRADER_MAINS),$(wildcard grader/*.c))
GRADER_OBJ := $(GRADER_SRC:grader/%.c=build/grader/%.o)
LIB_OBJ    := $(GRADER_OBJ)
TEST_SRC   := $(wildcard tests/*.c)
JANSSON    := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

CHAPTER_SRC  := $(wildcard chapters/[0-9][0-9]-*/*.c)
SOLUTION_SRC := $(wildcard solutions/[0-9][0-9]-*/*.c)
CHAPTER_BIN  := $(CHAPTER_SRC:%.c=build/%)
SOLUTION_BIN := $(SOLUTION_SRC:%.c=build/%)

SUB ?= chapters
GRADE_FLAGS ?=

.PHONY: all deps grade test chapters solutions hint readme clean gradescope plots bench sanitize clang-check next list watch run skip unskip
all: grader/grade grader/workbook grader/probe.so tests/run_tests chapters solutions

# Installs the Debian packages that are missing (needs root or sudo), once.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null \
	    || { echo "could not install:$$missing" >&2; exit 1; }; \
	fi

build/grader/%.o: grader/%.c grader/*.h | build/grader
	$(CC) $(STD) $(CFLAGS) $(WARN) -c $< -o $@

build/grader:
	mkdir -p $@

grader/grade: build/grader/grade.o $(GRADER_OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(JANSSON) -lm

grader/workbook: build/grader/workbook.o $(GRADER_OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(JANSSON) -lm

grader/probe.so: grader/probe.c
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -shared $< -o $@ -ldl

tests/run_tests: $(TEST_SRC) tests/*.h $(LIB_OBJ)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Igrader $(TEST_SRC) $(LIB_OBJ) -o $@ $(CHECK_LIBS) $(JANSSON) -lm

build/chapters/% build/solutions/%: grader/include/pcw.h
build/%: %.c grader/include/pcw.h
	@mkdir -p $(@D)
	$(CC) $(CHAPTER_CFLAGS) $< -o $@ $(CHAPTER_LIBS)

# The grader and its unit suites again, built with AddressSanitizer and UBSan (make test).
SAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
build/san/grade: grader/grade.c $(GRADER_SRC) grader/*.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(SAN) $(WARN) grader/grade.c $(GRADER_SRC) -o $@ $(JANSSON) -lm

build/san/workbook: grader/workbook.c $(GRADER_SRC) grader/*.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(SAN) $(WARN) grader/workbook.c $(GRADER_SRC) -o $@ $(JANSSON) -lm

build/san/run_tests: $(TEST_SRC) tests/*.h $(GRADER_SRC) grader/*.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(SAN) $(WARN) -Igrader $(TEST_SRC) $(GRADER_SRC) -o $@ $(CHECK_LIBS) $(JANSSON) -lm

# Everything must also compile cleanly with clang (warnings are errors).
clang-check:
	@for f in grader/*.c; do clang $(STD) -O2 $(WARN) -fsyntax-only $$f || exit 1; done
	@for f in tests/*.c; do clang $(STD) -O2 $(WARN) -Igrader -fsyntax-only $$f || exit 1; done
	@for f in solutions/*/*.c chapters/[0-9]*/*.c tests/variants*/*/*.c tests/hostile/*/*.c; do \
	  clang $(CHAPTER_CFLAGS) -Werror -fsyntax-only $$f || exit 1; done
	@echo "clang: every source compiles without warnings"

sanitize: build/san/grade build/san/workbook build/san/run_tests grader/probe.so
	for s in util table sandbox build report; do \
	  ASAN_OPTIONS=detect_leaks=0 CK_RUN_SUITE=$$s build/san/run_tests || exit 1; done
	PCW_ROOT=$(CURDIR) build/san/grade --no-race --no-speedup solutions > build/san/solutions.txt
	PCW_ROOT=$(CURDIR) build/san/grade --no-race --no-speedup chapters > build/san/chapters.txt; [ $$? -eq 1 ]
	rm -rf build/san/tree && mkdir -p build/san/tree && cp -r chapters solutions grader build/san/tree/
	PCW_ROOT=$(CURDIR)/build/san/tree build/san/workbook list > /dev/null
	PCW_ROOT=$(CURDIR)/build/san/tree build/san/workbook hint 1 > /dev/null
	PCW_ROOT=$(CURDIR)/build/san/tree build/san/workbook next --fast > /dev/null; [ $$? -eq 1 ]

chapters: $(CHAPTER_BIN)
solutions: $(SOLUTION_BIN)

# Grading your work exits 0 even when tests fail (the report says what to do next);
# grader/grade itself exits 1 for instructors' scripts.
grade: deps
	@$(MAKE) --no-print-directory grader/grade grader/probe.so
	@grader/grade $(if $(CH),-c $(CH)) $(GRADE_FLAGS) $(SUB); rc=$$?; [ $$rc -le 1 ]

# Lecture figures: benchmarks of the reference solutions, drawn with gnuplot (PNG and SVG).
# PLOTS_QUICK=1 for a one-minute run; GRADEBOOK=file.csv for the class results figure.
plots: deps
	plots/run

# How fast and how steady the grader is, and the reference solutions' own numbers
# (BENCH_REPEAT=20 for the repeatability run); writes plots/data/bench.tsv.
bench: deps
	plots/bench --repeat $(or $(BENCH_REPEAT),3)

# The student runner (grader/workbook); each exits 0 even when a chapter is not done yet.
WORKBOOK := @$(MAKE) --no-print-directory grader/workbook grader/probe.so && grader/workbook
next: deps
	$(WORKBOOK) next $(if $(FAST),--fast); rc=$$?; [ $$rc -le 1 ]
list: grader/workbook
	@grader/workbook list
watch: deps
	$(WORKBOOK) watch $(CH) $(if $(FAST),--fast)
run: grader/workbook grader/probe.so
	@grader/workbook run $(or $(CH),$(error make run needs CH=NN)) $(ARGS)
hint: grader/workbook
	@grader/workbook hint $(CH) $(if $(ALL),--all)
skip unskip: grader/workbook
	@grader/workbook $@ $(or $(CH),$(error make $@ needs CH=NN))

test: deps
	@$(MAKE) --no-print-directory all
	tests/capped tests/run_tests
	@$(MAKE) --no-print-directory sanitize clang-check
	plots/run --draw-only && plots/check
	@if [ -x ../shared/tools/contract-check ]; then ../shared/tools/contract-check solutions; else echo "contract-check: ../shared not here, skipped"; fi

clean:
	rm -rf build dist grader/grade grader/workbook grader/probe.so tests/run_tests

# Rewrites the README's chapter list from the chapter table.
readme: grader/grade
	@grader/grade --list --markdown > build/chapters.md
	@awk 'BEGIN { while ((getline l < "build/chapters.md") > 0) list = list l "\n" } \
	  /^<!-- chapters:/ { print; printf "%s", list; skip = 1; next } \
	  /^<!-- end of chapters -->/ { skip = 0 } !skip' README.md > build/README.md && mv build/README.md README.md

# Gradescope's autograder: setup.sh and run_autograder at the top of the zip, the workbook
# (grader sources, chapter table, reference solutions) beside them.
gradescope: dist/autograder.zip
dist/autograder.zip: $(wildcard grader/*.c grader/*.h grader/include/*.h solutions/*/*.c) chapters/chapters.json Makefile
	rm -rf build/gradescope && mkdir -p build/gradescope/source/chapters dist
	cp grader/gradescope/setup.sh grader/gradescope/run_autograder build/gradescope/
	cp -r Makefile grader solutions build/gradescope/source/
	cp chapters/chapters.json build/gradescope/source/chapters/
	rm -f build/gradescope/source/grader/grade build/gradescope/source/grader/workbook build/gradescope/source/grader/probe.so
	rm -f $@ && cd build/gradescope && zip -qr ../../$@ .
