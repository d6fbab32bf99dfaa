"""Court dates, outcomes and forfeiture deadlines."""
