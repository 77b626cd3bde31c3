# StreetVax: `make run` serves the demo, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite in the project folder, Celery eager, DEBUG on for local use,
# and "today" frozen at the demo campaign's last evening (see README).
RUN_ENV := DJANGO_DEBUG=true STREETVAX_DEMO_DATE=2021-06-30
# Browser tests use Debian's chromium (Playwright cannot download its own here) and a CJK
# font, without which Chinese renders as empty boxes in screenshots.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

.PHONY: run test lint typecheck format clean bench install echarts lighthouse

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip check
	touch $@

# Production: the runtime alone (requirements.txt), none of the test and bench tools.
install: | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip check

# collectstatic writes each static file's gzip and Brotli copies, which WhiteNoise serves
# to browsers that accept them (STREETVAX_STATIC_FROM_SOURCE=false: from staticfiles/).
# It takes minutes (Brotli), so it runs again only when a static file or a package changed.
staticfiles/staticfiles.json: $(shell find static -type f) $(VENV)/.installed
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput -v0

run: $(VENV)/.installed staticfiles/staticfiles.json
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) STREETVAX_STATIC_FROM_SOURCE=false $(BIN)/python manage.py runserver 127.0.0.1:8000

$(CHROMIUM) $(CJK_FONT):
	@echo "Installing Debian's chromium and a CJK font for the browser tests (needs root)."
	apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei

test: $(VENV)/.installed $(CHROMIUM) $(CJK_FONT)
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=portal.settings_test
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types, with Django's plugin (settings in pyproject.toml): strict on services, selectors
# and the snapshot builders.
typecheck: $(VENV)/.installed
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The ECharts the pages load, with only what they use (tools/echarts/entry.js), from the
# exact npm packages of tools/echarts/package-lock.json; the result is committed in static/.
echarts:
	cd tools/echarts && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) staticfiles

# City-scale figures on PostgreSQL (BENCH_DATABASE_URL), written to BENCHMARKS.md. The
# first run seeds the city (minutes); later runs find it there.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/streetvax_bench
# The load tests' gunicorn and Celery worker use this Redis database as their broker.
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/14
# ... and this one as their shared cache (emptied by the bench).
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/13
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SECRET_KEY=bench-only-not-secret \
	STREETVAX_DEMO_DATE=2021-06-30 BENCH_BROKER_URL=$(BENCH_BROKER_URL) \
	BENCH_CACHE_URL=$(BENCH_CACHE_URL)

# Lighthouse (mobile) on nine pages of the demo served as in production, written to
# BENCHMARKS.md's "Lighthouse" section: bench/lighthouse.py. Needs Node 20 and chromium.
lighthouse: $(VENV)/.installed $(CHROMIUM)
	cd tools/lighthouse && npm ci --no-audit --no-fund
	CHROME_PATH=$(CHROMIUM) $(BIN)/python -m bench.lighthouse

bench: $(VENV)/.installed
	$(BIN)/python -c "import psycopg2, sys; u = sys.argv[1]; base, name = u.rsplit('/', 1); \
	c = psycopg2.connect(base + '/postgres'); c.autocommit = True; cur = c.cursor(); \
	cur.execute('SELECT 1 FROM pg_database WHERE datname = %s', [name]); \
	cur.fetchone() or cur.execute('CREATE DATABASE \"%s\"' % name)" $(BENCH_DATABASE_URL)
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/python manage.py seed_demo --scale city
	$(BENCH_ENV) $(BIN)/python -m bench.run
