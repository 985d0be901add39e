"""Household records: registering, reading (audited) and searching households, and linking clues to them."""
