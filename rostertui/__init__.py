"""rostertui: the troubleshooting console for nightly school roster syncs."""
