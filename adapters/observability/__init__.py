"""Observability: structured logs (one JSON object per line) and Prometheus metrics (``sharewise_*``),
shared by the bridge and the delivery relay. Nothing here ever sees answers, names, case references,
launch codes, keys or secrets: log lines carry an allow-list of fields, and metric labels are host
names, route templates, rule ids and fixed words.

See docs/operations.md, "Logs and metrics".
"""
