"""What a result means: per-unit results, the audit trail of each node, and static bounds."""
