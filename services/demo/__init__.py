"""``flask seed-demo``: the demo county and its fixed data."""
