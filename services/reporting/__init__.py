"""Figures over a person's area: the dashboard and the overdue lists."""
