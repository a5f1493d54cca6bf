"""A change of the holiday calendar moves the stored deadlines with it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from repayment_plans.legal.models import HolidayDate, HolidayYear
from repayment_plans.legal.services import recompute_deadlines


@receiver(post_save, sender=HolidayDate)
@receiver(post_delete, sender=HolidayDate)
@receiver(post_save, sender=HolidayYear)
@receiver(post_delete, sender=HolidayYear)
def calendar_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    transaction.on_commit(recompute_deadlines)
