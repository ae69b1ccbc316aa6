"""Lenders, borrowers, loans and the bucket policies that say how often a loan may be called."""
