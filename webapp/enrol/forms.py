"""Forms of the shared enrolment steps (labels and messages in French, translated by Babel)."""

from __future__ import annotations

import re

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from ..forms import SafeForm

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Numbers typed without a country code are read as Moroccan.
DEFAULT_REGION = "MA"
MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def e164_mobile(raw: str) -> str | None:
    """The number in E.164 (``+212612345678``) when it is a valid mobile, else None."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class TermsForm(SafeForm):
    accept = BooleanField(
        _l("J'ai lu et j'accepte les conditions générales d'utilisation."),
        validators=[DataRequired(_l("Cochez la case pour accepter les conditions."))],
    )


class PrivacyForm(SafeForm):
    consent_data = BooleanField(
        _l(
            "J'accepte que la caisse traite mes données personnelles (identité, coordonnées) "
            "pour mon inscription et le suivi de ma pension."
        ),
        validators=[DataRequired(_l("Ce consentement est nécessaire pour vous inscrire."))],
    )
    consent_biometric = BooleanField(
        _l(
            "J'accepte que la caisse utilise la photo de mon visage pour créer un modèle "
            "biométrique chiffré, qui sert uniquement à vérifier que c'est bien moi lors de "
            "mes preuves de vie."
        ),
        validators=[DataRequired(_l("Ce consentement est nécessaire pour vous inscrire."))],
    )


class ContactForm(SafeForm):
    # No Optional(): it would skip the validate_* methods, which know what is required.
    email = EmailField(_l("Adresse e-mail"), validators=[Length(max=254)])
    gsm = StringField(_l("Téléphone mobile"), validators=[Length(max=30)])

    def __init__(self, *args, need: str = "sms", **kwargs):
        super().__init__(*args, **kwargs)
        self.need = need  # the channel of the code: that field is required

    def validate_gsm(self, field):
        if not (field.data or "").strip():
            if self.need == "sms":
                raise ValidationError(
                    _l("Saisissez votre numéro de mobile : le code y sera envoyé.")
                )
            return
        number = e164_mobile(field.data)
        if number is None:
            raise ValidationError(
                _l("Numéro de mobile invalide. Exemple : 06 12 34 56 78 ou +33 6 12 34 56 78.")
            )
        field.data = number

    def validate_email(self, field):
        field.data = (field.data or "").strip().lower()
        if not field.data:
            if self.need == "email":
                raise ValidationError(_l("Saisissez votre adresse e-mail : le code y sera envoyé."))
            return
        if not re.match(EMAIL_RE, field.data):
            raise ValidationError(_l("Adresse e-mail invalide, par exemple nom@exemple.ma."))

    def values(self) -> dict[str, str | None]:
        """Cleaned values: e-mail in lower case, mobile in E.164."""
        return {"email": self.email.data or None, "gsm": self.gsm.data or None}


class CodeForm(SafeForm):
    code = StringField(
        _l("Code reçu (6 chiffres)"),
        validators=[
            DataRequired(_l("Saisissez le code reçu.")),
            Regexp(r"^\s*(\d\s*){6}$", message=_l("Le code a 6 chiffres.")),
        ],
    )
