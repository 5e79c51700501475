"""SS 12000- and OneRoster-shaped HTTP servers for the network source tests (and the bench)."""
