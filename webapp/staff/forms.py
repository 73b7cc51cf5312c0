"""Admin forms: agencies and staff accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import SafeForm

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AgencyForm(SafeForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=10),
            Regexp(r"^[A-Z0-9-]+$", message=_l("Majuscules et chiffres.")),
        ],
    )
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    city = StringField(_l("Ville"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=20)])


class StaffForm(SafeForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(EMAIL_RE, message=_l("Adresse e-mail invalide.")),
        ],
    )
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(
        _l("Rôle"),
        choices=[
            SelectChoice("adviser", _l("Conseiller")),
            SelectChoice("admin", _l("Administrateur")),
        ],
    )
    agency_id = SelectField(_l("Agence"), coerce=int, validators=[Optional()])
