"""The conversation core: incoming events → replies. Channel-neutral, no I/O but ports."""
