"""The named errors of slot booking, each with the message the pensioner reads."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import DomainError


class BookingError(DomainError):
    """A booking rule was broken."""


class SlotFull(BookingError):
    message = _l("Ce créneau est complet. Choisissez un autre horaire.")


class DayClosed(BookingError):
    message = _l("L'agence est fermée ce jour-là. Choisissez un autre jour.")


class SlotInPast(BookingError):
    message = _l("Cette date est passée. Choisissez une date à venir.")


class TooSoon(BookingError):
    message = _l("Ce créneau est trop proche : réservez au moins %(hours)s heures à l'avance.")

    def __init__(self, hours: int):
        super().__init__(self.message % {"hours": hours}, hours=hours)


class SlotUnavailable(BookingError):
    message = _l("Cet horaire n'est pas proposé par l'agence. Choisissez un créneau de la liste.")


class AlreadyBooked(BookingError):
    message = _l("Vous avez déjà un rendez-vous. Déplacez-le ou annulez-le d'abord.")


class AppointmentClosed(BookingError):
    message = _l("Ce rendez-vous ne peut plus être modifié.")
