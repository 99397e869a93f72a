"""Policy as plugins: the national (England) rules and opt-in local policy.

Plugins import only ``sharewise.core``.
"""
