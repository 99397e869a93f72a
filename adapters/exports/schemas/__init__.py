"""Package data: the XSD of the sharewise decision-record XML format."""
