"""The bot's gettext catalogues, bot/locales/<language>/LC_MESSAGES/newsbot.po, via aiogram's I18n.

The .po files are the only source: Babel compiles them in memory when the catalogues are first
used (a few milliseconds), so there is no .mo file to build at provision or to go stale beside
its .po. A msgid is the key the code names (`phrase("start", ...)`), so every word, English too,
lives in a catalogue; a plural entry has its key as msgid_plural as well, and its forms follow
the catalogue's Plural-Forms header.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "newsbot"
DEFAULT_LOCALE = "en"


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, abort_invalid=True)


def compile_catalogue(catalog: Catalog) -> gettext.GNUTranslations:
    """The catalogue as gettext reads it: the .mo bytes Babel writes, never written to disk."""
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


class CatalogueI18n(I18n):
    """aiogram's I18n over .po files: `find_locales` (also what `reload` calls) compiles them."""

    def po_files(self) -> dict[str, Path]:
        pattern = f"*/LC_MESSAGES/{self.domain}.po"
        return {po.parents[1].name: po for po in sorted(self.path.glob(pattern))}

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        """Each catalogue, falling back to the default one for an entry it lacks."""
        found = {
            locale: compile_catalogue(read_catalogue(po)) for locale, po in self.po_files().items()
        }
        default = found.get(self.default_locale)
        for locale, translations in found.items():
            if default is not None and locale != self.default_locale:
                translations.add_fallback(default)
        return found


@cache
def catalogues() -> CatalogueI18n:
    return CatalogueI18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


@cache
def _default_catalogue() -> Catalog:
    return read_catalogue(catalogues().po_files()[DEFAULT_LOCALE])


def keys() -> frozenset[str]:
    """Every msgid of the default catalogue: what `phrase` may be asked for."""
    ids = (m.id if isinstance(m.id, str) else m.id[0] for m in _default_catalogue())
    return frozenset(i for i in ids if i)  # the header's msgid is empty


def plural_keys() -> frozenset[str]:
    """Keys whose entry has plural forms (looked up with ngettext and a count `n`)."""
    return frozenset(m.id[0] for m in _default_catalogue() if m.pluralizable)
