"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from .activity import Alert, AuditEvent, JobRecord
from .booking import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    ClosedDay,
    OpeningHours,
)
from .enrol_selfie import EnrolSelfie, SelfieMode
from .enrolment import Enrolment, EnrolmentStatus, OneTimeCode, OtpCounter
from .money import Attestation, AttestationPdf, Payment
from .notification import Notification, NotificationStatus, OutboxMessage
from .people import AccountStatus, Agency, PaymentStatus, Pensioner, StaffRole, StaffUser
from .proof import Campaign, FaceReference, LivenessChallenge, ProofAttempt, ProofStatus
from .push import PushSubscription
from .schedule import DailyRun
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
    "AttestationPdf",
    "AuditEvent",
    "Campaign",
    "ClosedDay",
    "Enrolment",
    "EnrolmentStatus",
    "DailyRun",
    "Campaign",
    "EnrolSelfie",
    "FaceReference",
    "JobRecord",
    "LivenessChallenge",
    "LoginThrottle",
    "Notification",
    "NotificationStatus",
    "OneTimeCode",
    "OpeningHours",
    "OtpCounter",
    "OutboxMessage",
    "Payment",
    "PaymentStatus",
    "Pensioner",
    "ProofAttempt",
    "ProofStatus",
    "PushSubscription",
    "SelfieMode",
    "StaffRole",
    "StaffUser",
    "utcnow",
]
