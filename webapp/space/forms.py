"""The contact details form ("Mes coordonnées")."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp

from ..forms import SafeForm

MARITAL = [
    ("", "—"),
    ("single", _l("Célibataire")),
    ("married", _l("Marié(e)")),
    ("divorced", _l("Divorcé(e)")),
    ("widowed", _l("Veuf / veuve")),
]
COUNTRIES = [
    ("MAR", _l("Maroc")),
    ("FRA", _l("France")),
    ("ESP", _l("Espagne")),
    ("BEL", _l("Belgique")),
    ("NLD", _l("Pays-Bas")),
    ("DEU", _l("Allemagne")),
    ("ITA", _l("Italie")),
    ("CAN", _l("Canada")),
    ("USA", _l("États-Unis")),
    ("GBR", _l("Royaume-Uni")),
    ("CHE", _l("Suisse")),
    ("TUN", _l("Tunisie")),
    ("DZA", _l("Algérie")),
    ("SEN", _l("Sénégal")),
]

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ContactForm(SafeForm):
    marital_status = SelectField(
        _l("Situation familiale"),
        choices=[SelectChoice(v, label) for v, label in MARITAL],
        validators=[Optional()],
    )
    children = IntegerField(
        _l("Nombre d'enfants"), validators=[Optional(), NumberRange(0, 30, _l("Entre 0 et 30."))]
    )
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(EMAIL_RE, message=_l("Adresse e-mail invalide, par exemple nom@exemple.ma.")),
        ],
    )
    gsm = StringField(
        _l("Téléphone mobile (GSM)"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ]{8,20}$", message=_l("Numéro invalide, par exemple +212 6 12 34 56 78.")
            ),
        ],
    )
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("Ville"), validators=[Optional(), Length(max=100)])
    country = SelectField(_l("Pays"), choices=[SelectChoice(v, label) for v, label in COUNTRIES])
    password = PasswordField(
        _l("Mot de passe (obligatoire pour changer l'e-mail)"),
        validators=[Optional(), Length(max=128)],
    )

    def values(self) -> dict:
        """Cleaned values to save."""
        return {
            "marital_status": self.marital_status.data or None,
            "children": self.children.data,
            "email": (self.email.data or "").strip().lower() or None,
            "gsm": (self.gsm.data or "").replace(" ", "") or None,
            "address": (self.address.data or "").strip() or None,
            "city": (self.city.data or "").strip() or None,
            "country": self.country.data,
        }
