"""Dialler campaigns, contacts and contact history: the dialler-contacts face."""
