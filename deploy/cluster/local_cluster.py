"""守底 as several nodes on one machine, over loopback: nginx in front of two app nodes (gunicorn,
``wsgi:app``, each its own process group and port), one job-queue consumer (with the schedule),
PostgreSQL, Redis and an S3-API file store. moto's standalone server stands in for MinIO, Aliyun
OSS or Tencent COS; PostgreSQL and Redis are the ones already running on 127.0.0.1.

    .venv/bin/python deploy/cluster/local_cluster.py up   [--database-url URL] [--redis-url URL]
                                                          [--port N] [--dir DIR] [--detach]
    .venv/bin/python deploy/cluster/local_cluster.py down [--dir DIR] [--drop]

``up`` starts from nothing every time: the database (its name must end in ``_cluster``) is dropped
and created again, the Redis database (not 0) emptied, migrations applied once, a sample county
imported and two accounts created; then every process is started with one environment (written to
``DIR/cluster.env``) and ``up`` waits until each node and nginx answer. In the foreground Ctrl-C
stops everything; ``--detach`` leaves it running for ``down``. The cluster itself is in
shoudi_cluster.py, which the smoke test (tests/deploy/) uses as well.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from shoudi_cluster import (ACCOUNTS, DEFAULT_DATABASE_URL, DEFAULT_FOLDER, DEFAULT_REDIS_URL, ENV_FILE,
                            INITIAL_PASSWORD, NODES, STATE_FILE, Cluster, ClusterError, nginx_binary)


def describe(cluster: Cluster) -> str:
    shown_db = make_url(cluster.database_url).render_as_string(hide_password=True)
    accounts = "、".join(f"{login}（{name}）" for login, name, _, _ in ACCOUNTS)
    return "\n".join([
        "守底本机集群已启动：",
        f"  nginx       {cluster.nginx_url}/login  （两个节点轮流应答，响应头 X-Shoudi-Node 为 a 或 b）",
        *(f"  节点 {n.upper()}      {cluster.node_url(n)}  （gunicorn，{cluster.node_workers} 个进程）" for n in NODES),
        "  任务队列处理程序 1 个（含定时任务）",
        f"  对象存储    {cluster.s3_url}  （moto，代替 MinIO、阿里云 OSS、腾讯云 COS；停止后文件不保留）",
        f"  数据库      {shown_db}",
        f"  Redis       {cluster.redis_url}",
        f"  账号：{accounts}，初始密码 {INITIAL_PASSWORD}，首次登录须修改",
        f"  配置 {cluster.folder / ENV_FILE}，日志 {cluster.logs}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="守底本机集群：nginx + 两个应用节点 + 任务队列处理程序")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="从头启动（删除并重建数据库，清空 Redis 库）")
    up.add_argument("--database-url", default=os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_DATABASE_URL))
    up.add_argument("--redis-url", default=os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS_URL))
    up.add_argument("--port", type=int, default=0, help="nginx 的端口（默认任选一个空闲端口）")
    up.add_argument("--workers", type=int, default=2, help="每个节点的 gunicorn 进程数")
    up.add_argument("--detach", action="store_true", help="启动后返回，用 down 停止")
    down = sub.add_parser("down", help="停止 up --detach 启动的全部进程")
    down.add_argument("--drop", action="store_true", help="同时删除数据库、清空 Redis 库")
    for command in (up, down):
        command.add_argument("--dir", type=Path, default=DEFAULT_FOLDER, help="配置、日志和状态所在目录")
    args = parser.parse_args(argv)

    if args.command == "down":
        if not (args.dir / STATE_FILE).exists():
            print(f"{args.dir} 中没有正在运行的集群", file=sys.stderr)
            return 1
        cluster = Cluster.from_state(args.dir)
        cluster.stop()
        if args.drop:
            cluster.drop_data()
        print("集群已停止")
        return 0

    if (args.dir / STATE_FILE).exists() and Cluster.from_state(args.dir).processes:
        print(f"{args.dir} 中的集群仍在运行，请先运行 down", file=sys.stderr)
        return 1
    if nginx_binary() is None:
        print("没有找到 nginx：apt-get install nginx（或 make nginx-deps）", file=sys.stderr)
        return 1
    cluster = Cluster(args.database_url, args.redis_url, args.dir.resolve(), args.port, args.workers,
                      tied_to_parent=not args.detach, say=lambda message: print(message, file=sys.stderr, flush=True))
    try:
        cluster.start()
    except ClusterError as exc:
        print(f"启动失败：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # start() has stopped what it had started
        return 130
    print(describe(cluster), flush=True)
    if args.detach:
        print(f"停止：{Path(sys.executable)} {Path(__file__)} down --dir {cluster.folder}")
        return 0
    print("按 Ctrl-C 停止全部进程。", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(p.process.poll() is None for p in cluster.processes):
            time.sleep(1)
        print("有进程意外退出，集群停止；见日志。", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
