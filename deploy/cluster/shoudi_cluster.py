"""The local 守底 cluster as a library: its processes, their one environment, its database and
its S3 bucket. deploy/cluster/local_cluster.py is the command line around it (``up``, ``down``);
tests/deploy/test_deploy_cluster_smoke.py starts and stops it.

``Cluster.start()`` starts from nothing: the database (its name must end in ``_cluster``) is
dropped and created again and the Redis database (not 0) emptied; then moto's S3 server, two
gunicorn nodes (``wsgi:app``, each the leader of its own process group, on its own port) and
nginx (from nginx.conf.template, its prefix, pid and logs in the cluster's folder) start while
migrations run once and the sample county (regions.csv) and two accounts are created with the
project's own ``flask`` commands; then the consumer, and ``start`` returns when every node and
nginx answer. ``stop()`` ends every process group it started, and only those.
"""
from __future__ import annotations

import base64
import ctypes
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import boto3
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NGINX_TEMPLATE = HERE / "nginx.conf.template"
REGIONS_CSV = HERE / "regions.csv"
STATE_FILE = "cluster.json"
ENV_FILE = "cluster.env"

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shoudi_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
DEFAULT_FOLDER = Path(tempfile.gettempdir()) / "shoudi-cluster"

COUNTY_CODE, GRID_CODE = "341599000000", "QS-01"  # in regions.csv
# (login, name, role, region): county staff for the back office, a grid worker for the field API.
ACCOUNTS = (("county", "示范县工作人员", "county_staff", COUNTY_CODE),
            ("grid", "青山村一组网格员", "grid_worker", GRID_CODE))
INITIAL_PASSWORD = "Cluster-Start-2026"  # printed; every account must change it at first login
# Low, so that a handful of /track lookups spread over both nodes shows the limit is shared.
TRACK_RATE_LIMIT = "6 per minute"
S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION, S3_BUCKET = "cluster-access-key", "cluster-secret-key", "us-east-1", "shoudi-cluster"
NODES = ("a", "b")
CONSUMER_STARTED = "任务队列处理程序已启动"  # what flask jobs-worker prints once it is ready
START_TIMEOUT = 120  # seconds for any one step; a loaded 2-core machine imports the app in 4 s
STOP_TIMEOUT = 15
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


class ClusterError(RuntimeError):
    """A step failed; the message names the process and ends with the tail of its log."""


@dataclass
class Started:
    """A process of the cluster: the leader of its own process group (its pid is the group id)."""

    name: str
    argv: list[str]
    log: Path
    pid: int
    began: str  # the kernel's start time of the pid: a pid reused later by someone else differs
    process: subprocess.Popen | None = None  # None when found again from the state file by ``down``

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Cluster:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    folder: Path = DEFAULT_FOLDER
    port: int = 0  # nginx's; 0: a free one
    node_workers: int = 2  # gunicorn sync workers per node
    # Foreground use (a terminal, the test): every process gets SIGTERM if this one dies.
    tied_to_parent: bool = True
    say: Callable[[str], None] = lambda message: None  # progress, for a person waiting
    processes: list[Started] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)

    # --- addresses ---------------------------------------------------------------------------
    @property
    def nginx_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def node_url(self, node: str) -> str:
        return f"http://127.0.0.1:{self.ports[node]}"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    # --- start and stop ----------------------------------------------------------------------
    def start(self) -> None:
        """Start from nothing; stops whatever was started when any step fails."""
        check_throwaway(self.database_url, self.redis_url)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self._prepare_folder()
        self.ports = {name: free_port() for name in ("nginx", "s3", *NODES)}
        if self.port:
            self.ports["nginx"] = self.port
        env = self.environment()
        write_env_file(self.folder / ENV_FILE, env)
        self._render_nginx()

        began = time.monotonic()

        def done(what: str) -> None:
            self.say(f"{time.monotonic() - began:5.1f} s  {what}")

        # The nodes and nginx touch nothing before their first request: they load while the
        # database is made, so the slow part (importing the app) overlaps the migrations.
        moto = self._spawn("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.ports["s3"])],
                           env)
        for node in NODES:
            self._spawn(f"node-{node}", [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.ports[node]}",
                                         "--workers", str(self.node_workers), "--access-logfile", "-", "wsgi:app"], env)
        self._spawn("nginx", [nginx_binary(), "-p", str(self.folder / "nginx"), "-c", str(self.folder / "nginx" / "nginx.conf"),
                              "-e", str(self.logs / "nginx-error.log")], env)
        recreate_database(self.database_url)
        redis.Redis.from_url(self.redis_url).flushdb()
        # Migrations once, before anything uses the tables; then the county and the accounts.
        accounts = [shlex.join(["create-user", "--username", login, "--name", name, "--role", role, "--region", region,
                                "--password", INITIAL_PASSWORD]) for login, name, role, region in ACCOUNTS]
        self._finish(self._spawn("setup", [sys.executable, str(HERE / "flask_commands.py"), "db upgrade",
                                           f"import-regions {shlex.quote(str(REGIONS_CSV))}", *accounts], env))
        done("数据库已迁移，区划已导入，账号已创建")
        self._wait_for_answer(moto, f"{self.s3_url}/moto-api/data.json")
        s3_client(self.s3_url).create_bucket(Bucket=S3_BUCKET)
        consumer = self._spawn("consumer", flask("jobs-worker", "--workers", "2"), env)  # the one with the schedule
        for name in (*(f"node-{n}" for n in NODES), "nginx"):
            url = self.nginx_url if name == "nginx" else self.node_url(name[-1])
            self._wait_for_answer(self.running(name), f"{url}/login")
        self._wait_for_log(consumer, CONSUMER_STARTED)
        done("各节点和 nginx 均已应答，任务队列处理程序已启动")
        self._save_state()

    def stop(self) -> None:
        """SIGTERM to every process group, SIGKILL to what is left after STOP_TIMEOUT."""
        for started in reversed(self.processes):
            signal_group(started.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for started in reversed(self.processes):
            wait_gone(started, max(0.1, deadline - time.monotonic()))
            signal_group(started.pid, signal.SIGKILL)  # a worker that outlived its master
            wait_gone(started, 5)
        self.processes.clear()
        state = self.folder / STATE_FILE
        if state.exists():
            state.unlink()

    def drop_data(self) -> None:
        """Drop the database and empty the Redis database (the bucket went with moto)."""
        drop_database(self.database_url)
        redis.Redis.from_url(self.redis_url).flushdb()

    def running(self, name: str) -> Started:
        return next(p for p in self.processes if p.name == name)

    # --- environment -------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        """One environment for every node, the consumer and the flask commands."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SHOUDI_", "AWS_"))}
        return {**inherited,
                "PYTHONUNBUFFERED": "1",  # logs as things happen (and the consumer's ready line)
                "SHOUDI_ENV": "production",
                "SHOUDI_SECRET_KEY": secrets.token_urlsafe(48),
                "SHOUDI_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                "SHOUDI_DATABASE_URL": self.database_url,
                "SHOUDI_REDIS_URL": self.redis_url,
                "SHOUDI_FILE_STORE": "s3",
                "SHOUDI_S3_ENDPOINT_URL": self.s3_url,
                "SHOUDI_S3_BUCKET": S3_BUCKET,
                "SHOUDI_S3_ACCESS_KEY": S3_ACCESS_KEY,
                "SHOUDI_S3_SECRET_KEY": S3_SECRET_KEY,
                "SHOUDI_S3_REGION": S3_REGION,
                "SHOUDI_S3_ADDRESSING_STYLE": "path",  # as for MinIO
                "SHOUDI_TRUSTED_PROXIES": "1",
                # Plain HTTP on loopback: a Secure cookie would never come back.
                "SHOUDI_SESSION_COOKIE_SECURE": "0",
                "SHOUDI_PUBLIC_URL": self.nginx_url,
                "SHOUDI_TRACK_RATE_LIMIT": TRACK_RATE_LIMIT,
                # Never the instance/shoudi.env of make run.
                "SHOUDI_INSTANCE_PATH": str(self.folder / "instance"),
                "SHOUDI_LOG_LEVEL": "INFO"}

    # --- steps -------------------------------------------------------------------------------
    def _prepare_folder(self) -> None:
        for sub in ("logs", "nginx", "instance"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        # nginx started by root runs its workers as nobody: they must reach their temp folders.
        for path in (self.folder, self.folder / "nginx"):
            path.chmod(0o755)

    def _render_nginx(self) -> None:
        values = {"folder": str(self.folder), "port": self.ports["nginx"],
                  "node_a_port": self.ports["a"], "node_b_port": self.ports["b"]}
        conf = re.sub(r"\{\{ (\w+) \}\}", lambda m: str(values[m.group(1)]), NGINX_TEMPLATE.read_text(encoding="utf-8"))
        (self.folder / "nginx" / "nginx.conf").write_text(conf, encoding="utf-8")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Started:
        log = self.logs / f"{name}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       preexec_fn=die_with_parent if self.tied_to_parent else None)
        started = Started(name, argv, log, process.pid, start_time(process.pid), process)
        self.processes.append(started)
        return started

    def _finish(self, started: Started) -> None:
        """Wait for a one-off command (migrations, an import, an account) and check it worked."""
        try:
            code = started.process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ClusterError(f"{started.name} 在 {START_TIMEOUT} 秒内未完成：\n{started.tail()}") from None
        self.processes.remove(started)
        if code != 0:
            raise ClusterError(f"{started.name} 失败（退出码 {code}）：\n{started.tail()}")

    def _wait_for_answer(self, started: Started, url: str) -> None:
        self._wait_until(started, lambda: answers(url), f"应答 {url}")

    def _wait_for_log(self, started: Started, line: str) -> None:
        self._wait_until(started, lambda: line in started.tail(), f"输出“{line}”")

    def _wait_until(self, started: Started, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if started.process.poll() is not None:
                self._died(started)
            if time.monotonic() > deadline:
                raise ClusterError(f"{started.name} 在 {START_TIMEOUT} 秒内未{what}：\n{started.tail()}")
            time.sleep(0.2)

    @staticmethod
    def _died(started: Started) -> None:
        raise ClusterError(f"{started.name} 已退出（退出码 {started.process.returncode}）：\n{started.tail()}")

    # --- state, for down ---------------------------------------------------------------------
    def _save_state(self) -> None:
        state = {"database_url": self.database_url, "redis_url": self.redis_url, "ports": self.ports,
                 "processes": [{"name": p.name, "argv": p.argv, "log": str(p.log), "pid": p.pid,
                                "began": p.began} for p in self.processes]}
        (self.folder / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")

    @classmethod
    def from_state(cls, folder: Path) -> "Cluster":
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        cluster = cls(state["database_url"], state["redis_url"], folder, tied_to_parent=False, ports=state["ports"])
        for item in state["processes"]:
            if start_time(item["pid"]) == item["began"]:  # a reused pid is someone else's: leave it
                cluster.processes.append(Started(item["name"], item["argv"], Path(item["log"]), item["pid"],
                                                 item["began"]))
        return cluster


# --- helpers ---------------------------------------------------------------------------------
def nginx_binary() -> str | None:
    """Debian's nginx lives in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "shoudi", *args]


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the thread that started it ends (Linux), so a
    killed test run or terminal leaves nothing behind. libc is looked up before the fork."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:  # refused, not yet listening, or an HTTP error (502 from nginx before the nodes)
        return False


def signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: state first, start time at index 19."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def start_time(pid: int) -> str:
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 and fields[0] != "Z" else ""


def _is_zombie(pid: int) -> bool:
    fields = _stat(pid)
    return not fields or fields[0] == "Z"  # a zombie, or gone


def wait_gone(started: Started, seconds: float) -> None:
    if started.process is not None:
        try:
            started.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
        return
    deadline = time.monotonic() + seconds
    while not _is_zombie(started.pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def check_throwaway(database_url: str, redis_url: str) -> None:
    """``up`` drops the database and empties the Redis database: refuse anything that looks kept."""
    name = make_url(database_url).database or ""
    if not re.fullmatch(r"[a-z][a-z0-9_]*_cluster", name):
        raise ClusterError(f"数据库名应以 _cluster 结尾（每次启动都会删除重建）：{name!r}")
    if redis.connection.parse_url(redis_url).get("db", 0) in (0, "0"):
        raise ClusterError("请使用 0 号以外的 Redis 库（每次启动都会清空）")


def _admin_engine(database_url: str):
    return create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def drop_database(database_url: str) -> None:
    name = make_url(database_url).database
    engine = _admin_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def recreate_database(database_url: str) -> None:
    drop_database(database_url)
    engine = _admin_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{make_url(database_url).database}"'))
    finally:
        engine.dispose()


def s3_client(url: str):
    return boto3.session.Session().client("s3", endpoint_url=url, region_name=S3_REGION,
                                          aws_access_key_id=S3_ACCESS_KEY, aws_secret_access_key=S3_SECRET_KEY)


def write_env_file(path: Path, env: dict[str, str]) -> None:
    """The cluster's SHOUDI_* settings, for running more flask commands against it (mode 600)."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("".join(f"{k}={v}\n" for k, v in sorted(env.items()) if k.startswith("SHOUDI_")), encoding="utf-8")
