"""Words for the pensioner's file: audit actions, methods, channels, statuses (French msgids)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "access_reset": _l("Accès réinitialisé (mot de passe provisoire envoyé)"),
    "agency_visit_login": _l("Connexion à l'agence avec le code de visite"),
    "appointment_booked": _l("Rendez-vous pris"),
    "appointment_cancelled": _l("Rendez-vous annulé"),
    "appointment_checked_in": _l("Arrivée à l'agence enregistrée"),
    "appointment_code_issued": _l("Code de vérification remis"),
    "appointment_identity_checked": _l("Pièce d'identité vérifiée"),
    "appointment_identity_refused": _l("Pièce d'identité refusée (numéro différent)"),
    "appointment_moved": _l("Rendez-vous déplacé"),
    "appointment_no_show": _l("Absence au rendez-vous"),
    "appointment_photo_viewed": _l("Selfie en attente consulté"),
    "contact_updated": _l("Coordonnées modifiées"),
    "desk_chip_cancelled": _l("Lecture de la puce au guichet annulée"),
    "desk_chip_enrolment": _l("Photo de référence lue dans la puce au guichet"),
    "desk_chip_refused": _l("Lecture de la puce au guichet refusée"),
    "desk_chip_started": _l("Lecture de la puce au guichet lancée (pièce vérifiée)"),
    "desk_enrolment": _l("Photo de référence prise au guichet"),
    "desk_enrolment_refused": _l("Inscription au guichet refusée (numéro différent)"),
    "enrolment_activated": _l("Compte activé"),
    "enrolment_chip_read": _l("Puce du passeport lue"),
    "enrolment_chip_refused": _l("Puce du passeport refusée"),
    "enrolment_consents": _l("Conditions et consentements acceptés"),
    "enrolment_matched": _l("Dossier retrouvé pour l'inscription"),
    "enrolment_selfie_decided": _l("Selfie d'inscription vérifié"),
    "face_reference_set": _l("Photo de référence enregistrée"),
    "login": _l("Connexion"),
    "login_failed": _l("Échec de connexion"),
    "logout": _l("Déconnexion"),
    "password_changed": _l("Mot de passe changé"),
    "payment_reinstated": _l("Paiement rétabli"),
    "payment_suspended": _l("Paiement suspendu"),
    "proof_agency_refused": _l("Preuve de vie en agence refusée (numéro différent)"),
    "proof_agency_visit": _l("Preuve de vie en agence"),
    "proof_attempt_decided": _l("Preuve de vie vérifiée automatiquement"),
    "proof_job_requeued": _l("Vérification relancée"),
    "proof_of_life_attested": _l("Preuve de vie enregistrée"),
    "proof_review_approved": _l("Preuve de vie acceptée par un conseiller"),
    "proof_review_rejected": _l("Preuve de vie refusée par un conseiller"),
    "proof_upload_refused": _l("Envoi de preuve de vie refusé"),
    "push_subscribed": _l("Notifications activées"),
    "reauth": _l("Mot de passe confirmé"),
    "reauth_failed": _l("Mot de passe erroné à la confirmation"),
    "staff_review_viewed": _l("Vérification consultée"),
    "staff_view_frame": _l("Image de preuve de vie consultée"),
    "staff_view_pensioner": _l("Dossier consulté"),
}

ACTORS = {
    "pensioner": _l("L'allocataire"),
    "system": _l("Système"),
    "operator": _l("Exploitation"),
    "staff": _l("Conseiller"),
}

METHODS = {
    "selfie": _l("par selfie"),
    "review": _l("après vérification par un conseiller"),
    "agency": _l("en agence"),
}

CHANNELS = {
    "sms": _l("SMS"),
    "email": _l("E-mail"),
    "push": _l("Notification"),
    "alert": _l("Alerte"),
}

SENDING = {
    "queued": _l("en attente"),
    "sending": _l("en cours d'envoi"),
    "sent": _l("envoyé"),
    "failed": _l("échec"),
}

REMINDERS = {
    "pol_open": _l("Ouverture de la campagne"),
    "pol_d10": _l("Rappel J-10"),
    "pol_d3": _l("Rappel J-3"),
    "pol_deadline": _l("Rappel le dernier jour"),
    "pol_suspended": _l("Paiement suspendu"),
    "pol_reinstated": _l("Paiement rétabli"),
}

SOURCES = {
    "passport": _l("puce du passeport"),
    "agency": _l("selfie vérifié en agence"),
    "desk": _l("caméra du guichet"),
    "desk_chip": _l("puce du passeport, lue au guichet"),
    "demo": _l("démonstration"),
}

DOCUMENTS = {"cin": _l("CIN"), "passport": _l("Passeport")}
