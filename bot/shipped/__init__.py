"""Data shipped inside the package: the default knowledge base and the interface catalogs.

pyproject.toml installs the project's top-level folders ``knowledge/`` and ``locales/`` as
``bot/shipped/knowledge`` and ``bot/shipped/locales`` (setuptools package-dir + package-data),
so an installed bot finds them wherever it runs, read here with ``importlib.resources``.
An editable install (``pip install -e .``) cannot map a folder without ``__init__.py`` into a
package; there the same two folders are read where they are, in the project the package is
imported from. Never the current directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]  # the checkout, for an editable install


def folder(name: str) -> Path:
    """The shipped folder ``name`` as a real directory (the loaders walk it with pathlib)."""
    inside = resources.files(__name__).joinpath(name)
    if isinstance(inside, Path) and inside.is_dir():
        return inside
    if (PROJECT / "pyproject.toml").is_file() and (PROJECT / name).is_dir():
        return PROJECT / name
    raise ConfigError(f"the installed package has no shipped {name}/ folder ({inside}); "
                      "reinstall it with pip (zipped installs are not supported)")


def knowledge_dir() -> Path:
    """The knowledge base that ships with the package (the default for every command)."""
    return folder("knowledge")


def locales_dir() -> Path:
    """The interface catalogs: ``<lang>/LC_MESSAGES/messages.po``."""
    return folder("locales")
