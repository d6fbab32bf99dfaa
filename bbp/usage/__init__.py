"""Each agency's usage snapshot: counts and sizes the platform console lists and sorts by."""
