"""Requests made safe to retry: each Idempotency-Key's request and the answer it got."""
