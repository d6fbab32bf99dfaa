"""Field encryption: AES-256-GCM under a per-tenant data key wrapped by a master key.

Master keys come from the environment (`BBP_MASTER_KEYS`, newest first), so rotating one
re-wraps each tenant's data key without touching encrypted rows; deleting a tenant's data keys
makes its encrypted fields unreadable for good. Use `bbp.vault.services.encrypt/decrypt`.
"""
