"""Court date reminders: planned as rows, sent by the minute tick, never twice, never lost."""
