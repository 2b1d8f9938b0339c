"""The conversation core: incoming events → replies. Channel-neutral, no I/O but ports.

core (Conversation, route) → commands | buttons (actions) | answers | media; menus, events
and cards build replies; record writes what a turn leaves behind; messages are the values
shared with the adapters.
"""
