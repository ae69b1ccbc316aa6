"""The one path every call outcome takes: the contact's counters and history, the call's tracking
record, and its CDR."""
