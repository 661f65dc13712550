# Makefile for the racing extension (PGXS)
#
# The extension script racing--<version>.sql is built from the fragments
# in src/sql/, concatenated in name order.  C sources are every src/*.c.
# Regression tests are every sql/*.sql, in name order.
#
#   make && make install       build and install (needs pg_config)
#   make installcheck          pg_regress in a temporary instance
#   make test                  every test, installing what is missing
#   make demo [FILE=...]       load the bundled real samples (or FILE)
#                              into a throwaway cluster and show reports

EXTENSION = racing
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" racing.control)

MODULE_big = racing
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

DATA_built = racing--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard racing--*--*.sql))

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --temp-instance=tmp_check \
	--temp-config=$(srcdir)/test/racing.conf \
	--load-extension=racing

ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --temp-instance=tmp_check_iso \
	--temp-config=$(srcdir)/test/racing.conf \
	--inputdir=test/isolation --outputdir=output_iso \
	--load-extension=racing

TAP_TESTS = 1

PG_CPPFLAGS = -iquote $(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK = -lcjson

EXTRA_CLEAN = tmp_check tmp_check_iso output_iso results regression.diffs \
	regression.out log

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
endif

# every object depends on every header: PGXS tracks no header changes
$(OBJS): $(wildcard src/*.h)

$(DATA_built): $(sort $(wildcard src/sql/*.sql)) racing.control
	@echo "-- racing $(EXTVERSION): generated from src/sql/*.sql, do not edit" > $@
	@printf '%s\n' '\echo Use "CREATE EXTENSION racing" to load this file. \quit' >> $@
	cat $(sort $(wildcard src/sql/*.sql)) >> $@

.PHONY: test demo deps
deps:
	bash test/deps.sh

test:
	bash test/run-tests.sh

demo:
	bash test/demo.sh $(FILE)
