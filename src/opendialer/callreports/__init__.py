"""Call detail records: the CDR store, its loaders and the /call-reports face."""
