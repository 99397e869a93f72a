"""The embedded form practitioners complete inside their case-management system, and the demo host."""
