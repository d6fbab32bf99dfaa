"""Import every model so the shared metadata knows all tables (migrations, schema creation)."""

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.billing.dunning import Dunning
from bbp.billing.models import BillingAccount, BillingMeter, Plan, TextUsageReport
from bbp.bonds.models import Bond, BondIndemnitor, BondStatusChange, Charge
from bbp.checkins.models import CheckIn, CheckInSchedule
from bbp.collateral.models import Collateral
from bbp.courts.models import CourtDate, Forfeiture
from bbp.dataio.models import AgencyArchive
from bbp.defendants.models import Defendant
from bbp.documents.models import DocumentRequest, DocumentTemplate
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.numbering import Counter
from bbp.merchant.models import (
    AutopayEnrollment,
    ConnectedAccount,
    ConnectEvent,
    Dispute,
    MerchantAccount,
    OnlinePayment,
    PayLink,
    Payout,
    PayoutLine,
    Refund,
)
from bbp.messaging.models import Message, OptOut
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.platform.models import PlatformAdmin, PlatformAuditEntry
from bbp.platform.support.models import SupportGrant, SupportPolicy
from bbp.portal.models import PortalCode, PortalSession
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.reminders.models import Reminder
from bbp.settings.models import AgencySettings
from bbp.signatures.models import SignatureEvent, SignatureRequest
from bbp.tenancy.models import Tenant, TenantDomain, TenantWakeup
from bbp.vault.models import DataKey

# The shared metadata, with every model above registered on it.
metadata = db.metadata

__all__ = [
    "AgencyArchive",
    "AgencySettings",
    "AuditEntry",
    "AutopayEnrollment",
    "BillingAccount",
    "BillingMeter",
    "Bond",
    "BondIndemnitor",
    "BondStatusChange",
    "Charge",
    "CheckIn",
    "CheckInSchedule",
    "Collateral",
    "ConnectEvent",
    "ConnectedAccount",
    "Counter",
    "CourtDate",
    "DataKey",
    "Defendant",
    "Dispute",
    "DocumentRequest",
    "DocumentTemplate",
    "Dunning",
    "Forfeiture",
    "Indemnitor",
    "Instalment",
    "MerchantAccount",
    "Message",
    "OnlinePayment",
    "OptOut",
    "PayLink",
    "Payment",
    "PaymentPlan",
    "Payout",
    "PayoutLine",
    "Plan",
    "PlatformAdmin",
    "PlatformAuditEntry",
    "PortalCode",
    "PortalSession",
    "Power",
    "PowerBatch",
    "Refund",
    "Reminder",
    "SignatureEvent",
    "SignatureRequest",
    "SupportGrant",
    "SupportPolicy",
    "Surety",
    "Tenant",
    "TenantDomain",
    "TenantWakeup",
    "TextUsageReport",
    "User",
    "metadata",
]
