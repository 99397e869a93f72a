"""The Flask bridge: the host API, launch in context, and delivery into host systems."""

from sharewise.adapters.bridge.app import create_app

__all__ = ["create_app"]
