"""Moving a borrower to another counselor of the agency, with the borrower's
consent: proposed by an agency admin, pending until the borrower accepts
(the new counselor gets the grant, the previous one loses it) or refuses.
Each step is in the borrower's access history."""

from django.db import transaction
from django.utils import timezone

from borrowers.models import AccessEvent, AccessGrant, Borrower, Counselor, Transfer


def _names(transfer: Transfer) -> str:
    return f"{transfer.from_counselor.display_name} → {transfer.to_counselor.display_name}"


@transaction.atomic
def propose(borrower: Borrower, grant: AccessGrant, to: Counselor, admin: Counselor) -> Transfer:
    transfer = Transfer.objects.create(
        borrower=borrower, from_counselor=grant.counselor, to_counselor=to, requested_by=admin
    )
    AccessEvent.record(borrower, to, AccessEvent.Action.TRANSFER, _names(transfer))
    return transfer


def _pending(borrower: Borrower, pk: int) -> Transfer | None:
    return (
        Transfer.objects.select_for_update()
        .filter(borrower=borrower, pk=pk, status=Transfer.Status.PENDING)
        .select_related("from_counselor", "to_counselor")
        .first()
    )


@transaction.atomic
def accept(borrower: Borrower, pk: int) -> Transfer | None:
    """The new counselor gets access as the previous one had it (read-only or
    with edits); the previous one loses it. None when nothing is pending."""
    transfer = _pending(borrower, pk)
    if transfer is None:
        return None
    now = timezone.now()
    old = borrower.grants.active().filter(counselor=transfer.from_counselor).first()
    can_edit = old.can_edit if old is not None else False
    if old is not None:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        AccessEvent.record(
            borrower, transfer.from_counselor, AccessEvent.Action.REVOKE, _names(transfer)
        )
    if not borrower.grants.active().filter(counselor=transfer.to_counselor).exists():
        AccessGrant.objects.create(
            borrower=borrower, counselor=transfer.to_counselor, can_edit=can_edit
        )
    AccessEvent.record(borrower, transfer.to_counselor, AccessEvent.Action.GRANT, _names(transfer))
    transfer.status = Transfer.Status.ACCEPTED
    transfer.decided_at = now
    transfer.save(update_fields=["status", "decided_at"])
    return transfer


@transaction.atomic
def refuse(borrower: Borrower, pk: int) -> Transfer | None:
    """Nothing changes for the grants; the refusal is in the history."""
    transfer = _pending(borrower, pk)
    if transfer is None:
        return None
    transfer.status = Transfer.Status.REFUSED
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_at"])
    AccessEvent.record(borrower, transfer.to_counselor, AccessEvent.Action.REFUSE, _names(transfer))
    return transfer
