"""Shared by the view-model modules (services/case_page.py, services/household_page.py...):
labels resolved, times shown in Beijing time, so templates hold no logic."""
from __future__ import annotations

from zoneinfo import ZoneInfo

# Mainland China keeps one time zone; times are stored in UTC and shown in Beijing time.
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")

