"""The platform under every capability: the outbox of after-commit side effects, the job
queue's use cases and the file store's housekeeping."""
