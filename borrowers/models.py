"""The app's models, defined in each feature's models.py; importable from here, the Django way."""

from borrowers.accounts.models import (
    EXPENSE_FIELDS,
    MAX_AMOUNT,
    MAX_ANNUAL_PERCENT,
    Borrower,
    HardshipReason,
    OwnedQuerySet,
    User,
    UserManager,
    money_field,
)
from borrowers.collection.models import (
    CollectionContact,
    CollectionContactQuerySet,
    CollectionRule,
)
from borrowers.counselors.models import (
    AccessEvent,
    AccessGrant,
    AccessGrantQuerySet,
    Agency,
    CaseNote,
    Counselor,
    CounselorInvite,
    CounselorQuerySet,
    Invite,
    Transfer,
    Triage,
    _invite_code,
)
from borrowers.debts.models import (
    Debt,
    DebtQuerySet,
    ProductProfile,
    debt_facts,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_ANNUAL_PERCENT",
    "money_field",
    "UserManager",
    "User",
    "HardshipReason",
    "EXPENSE_FIELDS",
    "Borrower",
    "OwnedQuerySet",
    "Agency",
    "Counselor",
    "CounselorQuerySet",
    "CounselorInvite",
    "Transfer",
    "_invite_code",
    "Invite",
    "AccessGrantQuerySet",
    "AccessGrant",
    "AccessEvent",
    "CaseNote",
    "Triage",
    "ProductProfile",
    "DebtQuerySet",
    "Debt",
    "debt_facts",
    "CollectionRule",
    "CollectionContactQuerySet",
    "CollectionContact",
]
