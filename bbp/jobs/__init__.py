"""Background processes: the RQ worker, the cron scheduler and the per-tenant periodic fan-out."""
