"""Risk elimination (风险消除五步法) and the look-back (回头看)."""
