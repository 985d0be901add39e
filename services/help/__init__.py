"""Help after inclusion (帮扶): help plans, the county measure library, department tasks and
quarterly evaluations.
"""
