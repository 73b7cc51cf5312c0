"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from .activity import Alert, AuditEvent, JobRecord
from .booking import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    ClosedDay,
    OpeningHours,
)
from .money import Attestation, Payment
from .people import AccountStatus, Agency, PaymentStatus, Pensioner, StaffRole, StaffUser
from .push import PushSubscription
from .proof import Campaign, FaceReference, LivenessChallenge, ProofAttempt, ProofStatus
from .throttle import LoginThrottle
from .types import utcnow

__all__ = [
    "AccountStatus",
    "Agency",
    "Alert",
    "Appointment",
    "AppointmentSlot",
    "AppointmentStatus",
    "Attestation",
    "AuditEvent",
    "Campaign",
    "ClosedDay",
    "FaceReference",
    "JobRecord",
    "LivenessChallenge",
    "LoginThrottle",
    "OpeningHours",
    "Payment",
    "PaymentStatus",
    "Pensioner",
    "ProofAttempt",
    "PushSubscription",
    "ProofStatus",
    "StaffRole",
    "StaffUser",
    "utcnow",
]
