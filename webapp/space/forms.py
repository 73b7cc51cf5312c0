"""The contact details form ("Mes coordonnées")."""

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

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
# The country list's ISO 3166 alpha-3 codes as phonenumbers' regions (alpha-2).
PHONE_REGIONS = {
    "MAR": "MA", "FRA": "FR", "ESP": "ES", "BEL": "BE", "NLD": "NL", "DEU": "DE", "ITA": "IT",
    "CAN": "CA", "USA": "US", "GBR": "GB", "CHE": "CH", "TUN": "TN", "DZA": "DZ", "SEN": "SN",
}  # fmt: skip


def parse_phone(text: str, country: str | None) -> phonenumbers.PhoneNumber | None:
    """The number as typed (« 06 12 34 56 78 » read in the chosen country), or None."""
    try:
        number = phonenumbers.parse(text, PHONE_REGIONS.get(country or "", "MA"))
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _valid_phone(form, field) -> None:
    if parse_phone(field.data or "", form.country.data) is None:
        raise ValidationError(_l("Numéro invalide, par exemple +212 6 12 34 56 78."))


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
    # The fund needs a way to reach the pensioner: these cannot be blanked.
    gsm = StringField(
        _l("Téléphone mobile (GSM)"),
        validators=[
            DataRequired(_l("Indiquez votre numéro de téléphone.")),
            Length(max=30),
            _valid_phone,
        ],
    )
    address = StringField(
        _l("Adresse"),
        validators=[DataRequired(_l("Indiquez votre adresse.")), Length(max=200)],
    )
    city = StringField(
        _l("Ville"), validators=[DataRequired(_l("Indiquez votre ville.")), Length(max=100)]
    )
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
            "gsm": self._phone(),
            "address": (self.address.data or "").strip() or None,
            "city": (self.city.data or "").strip() or None,
            "country": self.country.data,
        }

    def _phone(self) -> str | None:
        number = parse_phone(self.gsm.data or "", self.country.data)
        if number is None:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class EmailCodeForm(SafeForm):
    """The 6-digit code sent to a new e-mail address."""

    code = StringField(
        _l("Code reçu par e-mail"),
        validators=[DataRequired(_l("Saisissez le code reçu.")), Length(max=12)],
    )
