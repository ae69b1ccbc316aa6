"""Shared helpers that know no domain: CSV feeds, phone numbers, dates, request models."""
