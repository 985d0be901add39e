"""Who is told about a case and when: the notifier interface, the daily reminders and each
staff member's notification centre.
"""
