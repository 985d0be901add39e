"""Identification (识别纳入): the triage inbox and its actions, the public notices and what the
identification steps on the case page need.
"""
