"""The portal's form base: WTForms' own messages are translated from our catalogs, Khmer included.

WTForms ships no Khmer catalog, and Flask-WTF's switch loads WTForms' catalogs only;
so every form asks the app's own catalog (through flask-babel) for WTForms' messages,
which are listed below for extraction and translated like ours.
"""

from flask_babel import get_translations
from flask_wtf import FlaskForm


class CatalogTranslations:
    """The gettext interface WTForms calls, answered from the active language's catalog."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


CATALOG = CatalogTranslations()


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return CATALOG


def _wtforms_messages(gettext, ngettext):
    """Never called: marks the messages WTForms' validators and fields use, for extraction."""
    gettext("This field is required.")
    gettext("Invalid email address.")
    gettext("Invalid input.")
    gettext("Field must be equal to %(other_name)s.")
    ngettext(
        "Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1
    )
    ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1
    )
    ngettext(
        "Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1
    )
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Not a valid choice.")
    gettext("Invalid Choice: could not coerce.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
