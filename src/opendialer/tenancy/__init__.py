"""Tenants, servicers and partners."""
