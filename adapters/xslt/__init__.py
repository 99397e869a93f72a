"""Package data: XSLT host mappings from the sharewise decision-record XML to a host's import format.

Each ``NAME.xsl`` here is available as ``--format xslt:NAME``; an integrator can give the path of a
stylesheet of their own instead (``--format xslt:/path/to/mapping.xsl``).
"""
