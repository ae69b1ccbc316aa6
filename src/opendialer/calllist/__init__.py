"""The daily dialer call list of delinquent loans in collection buckets: /dialer/calls."""
