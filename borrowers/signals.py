from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import ProductProfile, refresh_tier_dates


@receiver(post_save, sender=ProductProfile)
def profile_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        refresh_tier_dates(instance)
