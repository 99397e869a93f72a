"""Delivering records into host systems: a signed webhook push (Standard Webhooks) or an atomic file
drop, driven by the relay over the transactional outbox."""
