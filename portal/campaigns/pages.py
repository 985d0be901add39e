"""集中排查 pages: the campaigns in scope (/campaigns) with the warning when the county has had
fewer than the required campaigns this year, the new-campaign form (/campaigns/new), and a
campaign's page (/campaigns/<id>): its facts and phases, then its progress per township →
village → grid → grid worker (?region=<code>), as a server-drawn chart beside a table.

Region codes travel in the query string (they are not personal). Roles without the pages get
403; a campaign or region outside the person's scope 404.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from core import clock
from core.extensions import db
from domain import numbers
from domain.campaigns import MAX_PHASES
from domain.enums import Role
from portal.campaigns import bp
from portal.office import charts
from services.campaigns import campaigns, progress
from services.campaigns.campaigns import CampaignForm
from services.errors import ValidationFailed

R = Role
DESK = (R.VILLAGE_STAFF, R.TOWNSHIP_STAFF, R.COUNTY_STAFF)
# The other parts of a campaign, linked from its page when this build has them: (the address
# after /campaigns/<id>/, label, roles that use it).
PARTS = [
    ("weekly", "本村每周报送（附件3）", (R.VILLAGE_STAFF,)),
    ("weekly/status", "各村每周报送情况（附件3）", (R.TOWNSHIP_STAFF, R.COUNTY_STAFF)),
    ("problems", "村级排查表（附件2）", DESK),
    ("ledger", "问题整改台账（附件4）", DESK),
    ("exports", "导出表格（附件1–4）", DESK),
]
BLANK_PHASE_ROWS = 2


# --- the list -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignRow:
    id: int
    name: str
    year: int
    dates: str
    status: str
    phase: str
    area: str


def _dates(campaign) -> str:
    return f"{campaign.starts_on.isoformat()} 至 {campaign.ends_on.isoformat()}"


@bp.get("")
@login_required
def index():
    today = clock.today()
    found = campaigns.in_scope(current_user)
    rows = []
    for c in found:
        phase = campaigns.current_phase(c, today)
        rows.append(CampaignRow(c.id, c.name, campaigns.year_of(c), _dates(c), campaigns.status_of(c, today),
                                phase.name if phase else "", campaigns.area_text(c)))
    return render_template("campaigns/index.html", rows=rows, count=campaigns.year_count(current_user, today),
                           may_create=campaigns.may_create(current_user))


# --- the new campaign -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PhaseLine:
    index: int
    name: str
    starts_on: str
    ends_on: str
    error: str


@dataclass(frozen=True)
class TownshipChoice:
    id: str
    name: str
    checked: bool


def _typed_form() -> CampaignForm:
    form = request.form
    phases = [(form.get(f"phase_name_{i}", ""), form.get(f"phase_start_{i}", ""), form.get(f"phase_end_{i}", ""))
              for i in range(MAX_PHASES)]
    return CampaignForm(name=form.get("name", ""), year=form.get("year", ""),
                        monitoring_line=form.get("monitoring_line", ""), income_start=form.get("income_start", ""),
                        income_end=form.get("income_end", ""), phases=phases,
                        area=[a[:12] for a in form.getlist("area")[:200]])


def _new_page(typed: CampaignForm, errors: dict, status: int = 200):
    shown = [p for p in typed.phases if any(str(v).strip() for v in p)]
    # Keep rows where they were typed when an error names one (phase_<n>).
    if any(k.startswith("phase_") for k in errors):
        shown = list(typed.phases)
        while shown and not any(str(v).strip() for v in shown[-1]):
            shown.pop()
    shown = shown[:MAX_PHASES]
    lines = [PhaseLine(i, str(n)[:120], str(s)[:20], str(e)[:20], errors.get(f"phase_{i}", ""))
             for i, (n, s, e) in enumerate(shown)]
    lines += [PhaseLine(i, "", "", "", "") for i in range(len(lines), min(MAX_PHASES, len(lines) + BLANK_PHASE_ROWS))]
    townships = campaigns.choosable_townships(current_user)
    chosen = set(typed.area)
    choices = [TownshipChoice(str(t.id), t.name, str(t.id) in chosen) for t in townships]
    values = {"name": typed.name, "year": typed.year, "monitoring_line": typed.monitoring_line,
              "income_start": typed.income_start, "income_end": typed.income_end}
    own_township = current_user.role_enum is Role.TOWNSHIP_STAFF
    html = render_template("campaigns/new.html", values=values, errors=errors, phases=lines,
                           townships=choices, own_township=townships[0].name if own_township else "",
                           max_phases=MAX_PHASES)
    return html, status


@bp.get("/new")
@login_required
def new():
    campaigns.require_creator(current_user)
    this_year = clock.today().year
    year = numbers.whole(request.args.get("year", "").strip()[:4], campaigns.FIRST_YEAR, campaigns.LAST_YEAR)
    return _new_page(campaigns.defaults(current_user, year or this_year), {})


@bp.post("/new")
@login_required
def create():
    campaigns.require_creator(current_user)
    typed = _typed_form()
    try:
        made = campaigns.create(current_user, typed)
    except ValidationFailed as exc:
        db.session.rollback()
        return _new_page(typed, exc.fields, 400)
    db.session.commit()
    return redirect(url_for("campaigns.campaign", campaign_id=made.id, created=1), code=303)


# --- one campaign ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PhaseView:
    name: str
    dates: str
    current: bool


@dataclass(frozen=True)
class PartLink:
    url: str
    label: str


def _part_links(campaign_id: int) -> list[PartLink]:
    rules = {}
    for rule in current_app.url_map.iter_rules():
        found = re.fullmatch(r"/campaigns/<int:(\w+)>/(.+)", rule.rule)
        if found and "GET" in (rule.methods or ()):
            rules.setdefault(found.group(2), (rule.endpoint, found.group(1)))
    links = []
    for tail, label, roles in PARTS:
        if tail in rules and current_user.role_enum in roles:
            endpoint, arg = rules[tail]
            links.append(PartLink(url_for(endpoint, **{arg: campaign_id}), label))
    return links


@bp.get("/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    today = clock.today()
    found = campaigns.get(current_user, campaign_id)
    code = request.args.get("region", "").strip()
    seen = progress.progress(current_user, found, code[:40] if code else None, today)
    now = campaigns.current_phase(found, today)
    phases = [PhaseView(p.name, f"{p.starts_on.isoformat()} 至 {p.ends_on.isoformat()}", p == now)
              for p in campaigns.phases_of(found)]
    facts = [("年度", f"{campaigns.year_of(found)}年"), ("时间", _dates(found)),
             ("状态", campaigns.status_of(found, today)), ("排查范围", campaigns.area_text(found)),
             ("监测范围", campaigns.line_text(found))]
    if found.income_start and found.income_end:
        facts.append(("上年度收入时段", f"{found.income_start.isoformat()} 至 {found.income_end.isoformat()}"))
    if found.created_by is not None:
        facts.append(("创建人", found.created_by.full_name))
    return render_template("campaigns/campaign.html", campaign=found, facts=facts, phases=phases,
                           parts=_part_links(found.id), seen=seen, chart=_chart(seen),
                           by_share=_by_share(seen), created=request.args.get("created") == "1",
                           drill={r.drill: url_for("campaigns.campaign", campaign_id=found.id, region=r.drill)
                                  for r in seen.rows if r.drill},
                           crumbs=[(c.name, url_for("campaigns.campaign", campaign_id=found.id, region=c.code))
                                   for c in seen.crumbs])


def _by_share(seen: progress.Progress) -> bool:
    """Rows of places are drawn by the share screened; rows of grid workers by households."""
    return any(r.to_screen is not None for r in seen.rows)


def _chart(seen: progress.Progress) -> Markup:
    if _by_share(seen):
        title, items = f"各{seen.child_label}已排查比例（%）", [(r.name, r.share or 0) for r in seen.rows]
    else:
        title, items = f"各{seen.child_label}已排查户数", [(r.name, r.screened) for r in seen.rows]
    return Markup(charts.bar_chart(title, items))
