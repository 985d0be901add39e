"""Use cases. Each public function loads, checks with the domain, changes, audits — in that order.

Services never commit: the request (or CLI command) that calls them owns the transaction.
"""
