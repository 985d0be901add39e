"""The platform under every capability: the audit log, the outbox of after-commit side effects,
the job queue's use cases, the file store's housekeeping and the checking of uploaded photos."""
