"""Staff accounts: users and their login tokens, the people on a case, and scoping (what a user may see)."""
