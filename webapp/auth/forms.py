"""Login and password forms (labels and messages in French, translated by Babel)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..forms import SafeForm
from ..services.passwords import password_problem


class LoginForm(SafeForm):
    dp_number = StringField(
        _l("Numéro de dossier (DP)"),
        validators=[DataRequired(_l("Saisissez votre numéro de dossier.")), Length(max=20)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=128)],
    )


class StaffLoginForm(SafeForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Saisissez votre adresse e-mail.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=128)],
    )


def _strong(form, field):
    problem = password_problem(field.data or "")
    if problem == "too_short":
        raise ValidationError(_l("Au moins 8 caractères."))
    if problem == "letters_and_digits":
        raise ValidationError(_l("Mélangez des lettres et des chiffres."))


class ChangePasswordForm(SafeForm):
    current = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel."))],
    )
    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un nouveau mot de passe.")),
            Length(max=128),
            _strong,
        ],
    )
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[
            DataRequired(_l("Confirmez le nouveau mot de passe.")),
            EqualTo("new", _l("Les deux mots de passe diffèrent.")),
        ],
    )
