"""The farmer portal: self-report, progress lookup, the policy page and the printable 明白纸."""
