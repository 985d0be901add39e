"""The region tree (create, import, rename, merge, old codes) and the settings that differ by region."""
