"""Bond desk routes: the list and bond page, and the intake wizard."""
