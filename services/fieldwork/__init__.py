"""The grid worker's field work: the day's lists and search, and visits sent from the field app."""
