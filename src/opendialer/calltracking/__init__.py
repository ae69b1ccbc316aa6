"""Tracked calls: every attempt and contact made on a loan, the /calltracking/calls face."""
