"""集中排查 (seed 004): campaigns and their progress, the four forms (附件1–4) and their exports."""
