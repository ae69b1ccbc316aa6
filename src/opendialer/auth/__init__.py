"""API clients, access tokens, roles and the caller's Principal."""
