"""Knowledge: the frozen model of ``knowledge/``, its loading and validation, field checks."""
