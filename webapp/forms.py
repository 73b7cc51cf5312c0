"""The base form: every text field refuses NUL and other control characters.

PostgreSQL cannot store NUL in text, and nothing a person types contains
control characters; the message appears next to the field that had them.
Every form of the app derives from ``SafeForm`` rather than ``FlaskForm``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import ImmutableMultiDict

# C0 controls (tab, CR and LF included: no field is multi-line), DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CONTROL_FIELD_MESSAGE = _l("Ce champ contient des caractères non autorisés.")


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds a control character."""
    return bool(_CONTROL.search(value))


class SafeForm(FlaskForm):
    """A FlaskForm whose text inputs are checked for control characters first.

    A JSON body is read as form data only when it is an object (Flask-WTF
    would crash on a JSON string, list or very deep nesting).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto and request.is_json and not request.files:
                try:
                    data = request.get_json(silent=True)
                except RecursionError:
                    data = None
                if not isinstance(data, dict):
                    return ImmutableMultiDict()
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            raw = field.raw_data or []
            if any(isinstance(v, str) and has_control_characters(v) for v in raw):
                others = [e for e in field.errors if e != CONTROL_FIELD_MESSAGE]
                field.errors = [CONTROL_FIELD_MESSAGE, *others]
                ok = False
        return ok
