"""The workflow engine every stage shares: ``cases.perform`` is the only code that changes a
case's state; its effects, events, facts and evidence files live beside it.
"""
