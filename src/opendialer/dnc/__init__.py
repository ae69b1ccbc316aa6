"""Do-not-call lists: a tenant's, and each campaign's, numbers that are never dialed."""
