"""Pure domain rules of 防止返贫动态监测和帮扶.

Nothing in this package imports Flask, SQLAlchemy or reads the clock: every rule takes the
facts and dates it needs as arguments, so it can be tested and reasoned about on its own.
"""
