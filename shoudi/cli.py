"""``flask`` commands. Each one is thin: parse, call a service, commit, report."""
from __future__ import annotations

import os
import sys
import time

import click
from flask import Flask, current_app

from core.clock import today
from core.extensions import db
from core.queue import QUEUE_EXTENSION
from domain.jobs import JobKind, JobState
from models import Job
from services.accounts import users
from services.demo import scale, seeding
from services.errors import PermissionDenied, ValidationFailed
from services.households import register_import, register_rejects
from services.notifications import reminders
from services.platform import scheduled
from services.regions import tree
from shoudi import consumer


def register_cli(app: Flask) -> None:
    app.cli.add_command(import_regions)
    app.cli.add_command(rename_region)
    app.cli.add_command(merge_region)
    app.cli.add_command(create_user)
    app.cli.add_command(unlock_user)
    app.cli.add_command(reset_password)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
    app.cli.add_command(remind_deadlines)
    app.cli.add_command(jobs_worker)
    app.cli.add_command(import_households)
    app.cli.add_command(archive_audit_log)


def _fail(exc: ValidationFailed) -> None:
    db.session.rollback()
    for name, message in exc.fields.items():
        click.echo(f"错误：{name + '：' if name else ''}{message}", err=True)
    sys.exit(1)


@click.command("import-regions")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_regions(csv_file):
    """导入区划：CSV 列为 code,name,parent_code,level（县/乡镇/村/网格）。有错误行时不导入任何数据。"""
    report = tree.import_csv(csv_file.read())
    click.echo(report.summary())
    if not report.ok:
        db.session.rollback()
        sys.exit(1)
    db.session.commit()


@click.command("rename-region")
@click.argument("code")
@click.option("--name", required=True, help="新名称")
@click.option("--new-code", default=None, help="新代码（旧代码仍可解析）")
def rename_region(code, name, new_code):
    """区划改名（可同时换代码）。"""
    region = tree.resolve_code(code)
    if region is None:
        click.echo(f"错误：区划 {code} 不存在", err=True)
        sys.exit(1)
    try:
        tree.rename(None, region, name, new_code)
    except ValidationFailed as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"已改名：{region.code} {region.name}")


@click.command("merge-region")
@click.argument("source_code")
@click.argument("target_code")
def merge_region(source_code, target_code):
    """把 SOURCE 区划并入 TARGET：下级、农户、案件和账号一并转移，旧代码仍可解析。"""
    source, target = tree.resolve_code(source_code), tree.resolve_code(target_code)
    if source is None or target is None:
        click.echo("错误：区划不存在", err=True)
        sys.exit(1)
    try:
        tree.merge(None, source, target)
    except ValidationFailed as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"已合并到 {target.code} {target.name}")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True, help="姓名")
@click.option("--role", required=True, help="grid_worker / pair_cadre / village_staff / "
                                             "township_staff / county_staff / department / admin")
@click.option("--region", "region_code", required=True, help="所属区划代码")
@click.option("--department", default=None, help="行业部门账号的部门代码")
@click.option("--phone", default=None, help="手机号（可用于登录）")
@click.password_option(help="初始密码（至少8位，含大写字母、小写字母、数字、符号中的至少3类，不含用户名）")
def create_user(username, full_name, role, region_code, department, phone, password):
    """创建工作人员账号。本人首次登录时须修改密码。"""
    try:
        user = users.create_user(username, full_name, password, role, region_code, department, phone,
                                 must_change_password=True)
    except ValidationFailed as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"已创建账号 {user.username}（{user.role_enum.label}，{user.region.name}），首次登录时须修改密码")


def _account(username: str):
    user = users.find_by_login(username)
    if user is None:
        click.echo(f"错误：没有用户名或手机号为 {username} 的账号", err=True)
        sys.exit(1)
    return user


@click.command("unlock-user")
@click.argument("username")
def unlock_user(username):
    """解锁因密码连续输错而锁定的账号。"""
    user = _account(username)
    users.unlock(None, user)
    db.session.commit()
    click.echo(f"已解锁账号 {user.username}")


@click.command("reset-password")
@click.argument("username")
def reset_password(username):
    """重置密码：显示一个一次性密码，本人用它登录后须立即修改。该账号的所有会话和令牌同时作废，锁定解除。"""
    user = _account(username)
    password = users.reset_password(None, user)
    db.session.commit()
    click.echo(f"已重置账号 {user.username} 的密码。一次性密码（只显示这一次，请当面或电话告知本人）：")
    click.echo(password)
    click.echo("本人用它登录后须立即设置新密码。")


@click.command("import-households")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="以哪个县级或乡镇工作人员的身份导入（决定可导入的区域）")
@click.option("--dry-run", is_flag=True, help="只检查并报告，不写入")
@click.option("--rejected", type=click.Path(dir_okay=False, writable=True), default=None,
              help="把未导入的行（加“错误原因”列）写到这个 .xlsx 文件")
def import_households(path, username, dry_run, rejected):
    """导入农户档案：全国防返贫监测信息系统导出的户成员信息表（.xlsx/.xls/.csv）。有错误的户整户不导入。"""
    actor = users.find_by_login(username)
    if actor is None or not actor.active:
        click.echo(f"错误：没有用户名为 {username} 的账号", err=True)
        sys.exit(1)
    with open(path, "rb") as source:
        content = source.read()
    try:
        report = register_import.import_register(actor, content, today=today(), dry_run=dry_run,
                                                 progress=lambda done, total, message=None: click.echo(f"  {message or ''}{done}/{total} 户", err=True))
    except ValidationFailed as exc:
        _fail(exc)
    except PermissionDenied as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(("（试导入，未写入）" if dry_run else "") + report.summary())
    for problem in report.problems[:20]:
        click.echo(f"  第{problem.line}行 {problem.column + '：' if problem.column else ''}{problem.reason}")
    for warning in report.warnings[:20]:
        click.echo(f"  提示：第{warning.line}行 {warning.text}")
    if rejected and report.problems:
        with open(rejected, "wb") as out:
            out.write(register_rejects.rejected_rows_xlsx(content, report))
        click.echo(f"未导入的行已写到 {rejected}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="已有数据时什么也不做")
def seed_demo(if_empty):
    """生成演示数据：一个县、2个乡镇、4个村、网格、约200户、措施库、若干案件和各角色账号。"""
    if current_app.config["SHOUDI_ENV"] == "production":
        # The demo accounts share a published password: never on a real deployment.
        raise click.ClickException("生产环境（SHOUDI_ENV=production）不能生成演示数据：演示账号的密码是公开的")
    if if_empty and seeding.has_data():
        click.echo("已有数据，跳过演示数据。")
        return
    summary = seeding.seed()
    db.session.commit()
    click.echo(summary)


@click.command("seed-scale")
@click.option("--households", type=click.IntRange(min=1), required=True, help="生成多少户")
@click.option("--seed", "seed_value", type=int, default=scale.DEFAULT_SEED, show_default=True,
              help="随机种子：同一种子生成同样的人、地方和经过")
@click.option("--password", default=scale.DEFAULT_PASSWORD, show_default=True, help="所有工作人员账号共用的密码")
def seed_scale(households, seed_value, password):
    """生成规模测试数据：不到20万户为一个县，20万户起为一个省（每10万户一个县），含区划、各级工作人员账号、农户和成员、各种状态的案件及办理经过、走访、帮扶措施。只能在空数据库中运行，每批提交一次。"""
    if current_app.config["SHOUDI_ENV"] == "production":
        # Every generated account shares one known password: never on a real deployment.
        raise click.ClickException("生产环境（SHOUDI_ENV=production）不能生成规模测试数据：所有账号共用一个已知密码")
    started = time.perf_counter()
    try:
        for progress in scale.seed_scale(households, seed_value, password):
            db.session.commit()
            elapsed = time.perf_counter() - started
            rate = progress.households / elapsed if elapsed else 0
            click.echo(f"已生成 {progress.households:,}/{progress.total:,} 户（成员 {progress.members:,}，"
                       f"案件 {progress.cases:,}，办理记录 {progress.events:,}，走访 {progress.visits:,}），"
                       f"每秒 {rate:,.0f} 户，用时 {elapsed:,.0f} 秒" + ("，已更新统计信息" if progress.finished else ""))
    except ValidationFailed as exc:
        _fail(exc)
    click.echo(f"规模测试数据已生成，用时 {time.perf_counter() - started:,.0f} 秒。工作人员账号的密码均为 {password}，"
               "用户名如 s-admin、s-county-1、s-dept-1、s-township-1-1、s-village-1-1-1、s-cadre-1-1-1-1、"
               "s-grid-1-1-1-1（县、乡镇、村、网格依次从1编号）")


@click.command("remind-deadlines")
@click.option("--date", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="按哪一天计算（YYYY-MM-DD，默认今天，北京时间）")
def remind_deadlines(on_date):
    """期限提醒：即将到期（3天内）和已逾期的案件、逾期未落实的帮扶措施，通知责任人。重复运行不会重复提醒。"""
    day = on_date.date() if on_date else today()
    report = reminders.remind_deadlines(day)
    db.session.commit()
    click.echo(f"{day.isoformat()}：{report.summary()}")


@click.command("jobs-worker")
@click.option("--workers", default=2, show_default=True, help="同时执行的任务数（线程）")
@click.option("--no-periodic", is_flag=True, help="不运行定时任务（只在一台机器上运行定时任务即可）")
def jobs_worker(workers, no_periodic):
    """任务队列处理程序：执行排队的任务（乡镇明白纸 PDF、通知发送等）和定时任务（每日提醒、清理文件）。Ctrl-C 停止。"""

    queue = current_app.extensions[QUEUE_EXTENSION]
    # Queued work waits anyway: on a machine shared with the web server, requests go first.
    nice = current_app.config["SHOUDI_WORKER_NICE"]
    if nice > 0:
        os.nice(nice)
    # Poll quickly (notifications wait on this), back off to at most one second when idle.
    consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic,
                                     initial_delay=0.1, backoff=1.15, max_delay=1.0)
    click.echo(f"任务队列处理程序已启动（{workers} 个线程{'' if no_periodic else '，含定时任务'}"
               f"{f'，优先级降低 {nice}' if nice > 0 else ''}）")
    consumer.run()


@click.command("archive-audit-log")
def archive_audit_log():
    """审计日志归档：把早于保留期（SHOUDI_AUDIT_RETENTION_DAYS，至少180天）的审计日志写入文件存储并记录归档，然后从日志表移出。没有可归档的也会记录这次运行。"""
    job = scheduled.start(JobKind.AUDIT_ARCHIVE, today())
    db.session.commit()
    consumer.run_job(job.id)  # here and now; the queued copy then finds it finished
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    click.echo(f"任务 {job.id}：{JobState(job.state).label}。{job.message or ''}")
    if job.state != JobState.DONE.value:
        sys.exit(1)
