"""A department officer's measures (措施交办): the rows of /tasks (``measure_tasks.task_page``:
open measures of their department in their county, the soonest due first), names masked."""
from __future__ import annotations

from datetime import date

from domain.masking import mask_name
from models import User
from services.help import measure_tasks
from services.todo import cases as lists
from services.todo.ordering import clock


def measures(actor: User, today: date, page: int) -> lists.Section:
    found = measure_tasks.task_page(actor, today, measure_tasks.TaskFilters(), page)
    made = [lists.Row(r.case_id, f"落实帮扶措施：{r.measure}", r.status, mask_name(r.head), r.id_number, r.village,
                      r.due_on, clock(date.fromisoformat(r.due_on) if r.due_on else None, today),
                      tuple(n for n in (r.kind, r.relief) if n), measure_id=r.id)
            for r in (found.rows if found.page == page else [])]
    return lists.Section("measures", "交办本部门的帮扶措施", "没有交办本部门、尚未落实的帮扶措施。", made,
                         found.total, found.overdue, found.pages)
