# 守底 Shoudi — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# `make run` listens on this machine only; `make run HOST=0.0.0.0` serves the local network.
HOST   ?= 127.0.0.1
export FLASK_APP := shoudi

.PHONY: run test install install-test fonts browser-deps nginx-deps cluster secrets migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

secrets: install
	@$(BIN)/python -c "from core.config import generate_instance_secrets as g; \
	    print('已生成本地密钥 instance/shoudi.env' if g('instance') else '本地密钥已存在')"

migrate: secrets
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

# The printed 明白纸 is drawn with a CJK font (Debian: fonts-noto-cjk).
fonts:
	@fc-list 2>/dev/null | grep -q "Noto Sans CJK" || { \
	    echo "安装中文字体 fonts-noto-cjk（Debian 软件包）…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
	    || echo "未能安装 fonts-noto-cjk：请以管理员身份安装，否则无法生成明白纸图片"; }

# The web server and one job-queue consumer together; Ctrl-C stops both. Loopback unless HOST
# says otherwise: the demo passwords are published, so another address prints a warning.
run: fonts seed
	@case '$(HOST)' in *:*) bind='[$(HOST)]:$(PORT)' ;; *) bind='$(HOST):$(PORT)' ;; esac; \
	case '$(HOST)' in 0.0.0.0|::) shown=127.0.0.1 ;; *:*) shown='[$(HOST)]' ;; *) shown='$(HOST)' ;; esac; \
	echo ""; \
	echo "守底已启动：http://$$shown:$(PORT)/login"; \
	echo "演示账号（密码均为 shoudi-demo-2026）：admin province city auditor county minzheng yibao township township2 village village2 grid cadre"; \
	echo "任务队列处理程序与网站一同运行（队列在 instance/queue.db）；按 Ctrl-C 同时停止两者。"; \
	case '$(HOST)' in 127.*|localhost|::1) ;; *) \
	    echo ""; \
	    echo "警告：正在监听 $(HOST)，同一网络中的其他设备都能打开本站。演示账号的密码是公开的（shoudi-demo-2026），"; \
	    echo "      任何人都能登录；请勿在有真实数据时这样运行。只在本机使用请去掉 HOST（默认 127.0.0.1）。" ;; \
	esac; \
	echo ""; \
	$(BIN)/flask jobs-worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind "$$bind" --workers 2 --access-logfile - wsgi:app

# Browser tests drive Debian's Chromium (never a downloaded browser); screenshots need a CJK font.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	    echo "安装 chromium 和 fonts-noto-cjk（Debian 软件包）…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# The several-nodes smoke test (tests/deploy/) and `make cluster` put Debian's nginx in front of
# two app nodes; without it the test skips. Only the package is installed: the cluster runs its
# own nginx with its own configuration, never the system's.
nginx-deps:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || { \
	    echo "安装 nginx（Debian 软件包）…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
	    || echo "未能安装 nginx：多节点冒烟测试将跳过"; }

# nginx, two app nodes, one job-queue consumer, an S3-API store (moto) over loopback, on the
# PostgreSQL and Redis of this machine; Ctrl-C stops all. The database is dropped and made
# again at each start: CLUSTER_DATABASE_URL's name must end in _cluster.
CLUSTER_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/shoudi_cluster
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/7
cluster: install-test nginx-deps
	$(BIN)/python deploy/cluster/local_cluster.py up --database-url '$(CLUSTER_DATABASE_URL)' \
	    --redis-url '$(CLUSTER_REDIS_URL)'

# SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set (as .ci/run does). The browser
# tests drive the pages' scripts and run once, on SQLite: every server path they reach is also
# tested over HTTP on both databases.
# Two test processes (pytest-xdist): each has its own databases (see tests/conftest.py).
TEST_PROCESSES ?= 2
test: install-test browser-deps nginx-deps
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -n $(TEST_PROCESSES)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	    echo "== PostgreSQL: $$TEST_DATABASE_URL =="; \
	    $(BIN)/python -m pytest -q -n $(TEST_PROCESSES) -m "needs_db and not browser"; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info
