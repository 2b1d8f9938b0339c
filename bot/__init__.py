"""Jena Welcome Bot: a multilingual assistant for newcomers in Jena."""

__version__ = "0.1.0"
