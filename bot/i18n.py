"""Interface strings: the shipped gettext catalogs (``locales/``), loaded once, failing loudly."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.errors import ConfigError
from bot.shipped import locales_dir
from bot.understanding.language import SUPPORTED

DOMAIN = "messages"


class Translator:
    """gettext per language; English source strings, one catalog per supported language."""

    def __init__(self, directory: Path | None = None,
                 languages: tuple[str, ...] = SUPPORTED) -> None:
        directory = directory or locales_dir()  # the catalogs shipped with the package
        self._catalogs: dict[str, Translations] = {}
        for lang in languages:
            po = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            if not po.is_file():
                raise ConfigError(f"interface catalog missing: {po}; run the Babel update")
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=Locale.parse(lang), domain=DOMAIN)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            self._catalogs[lang] = Translations(fp=buffer, domain=DOMAIN)

    def gettext(self, lang: str, message: str) -> str:
        catalog = self._catalogs.get(lang) or self._catalogs.get("en")
        return catalog.gettext(message) if catalog else message

    def plural(self, lang: str, singular: str, plural: str, n: int) -> str:
        """ngettext: the form for ``n`` under the catalog's plural rule (uk/ru/ar have 3–6)."""
        catalog = self._catalogs.get(lang) or self._catalogs.get("en")
        if catalog is None:
            return singular if n == 1 else plural
        return catalog.ngettext(singular, plural, n)


@lru_cache(maxsize=1)
def default_translator() -> Translator:
    """The project's catalogs, loaded once."""
    return Translator()


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark a string for extraction without translating it here."""
    return message
