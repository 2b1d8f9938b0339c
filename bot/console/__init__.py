"""The staff web console: Starlette pages on the bot's own event loop (``server``), log-in by
one-time links from /console (``auth``), what the pages share (``context``)."""
