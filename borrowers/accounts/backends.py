"""Who is signed in: Django's model backend, reading the profile with the user."""

from django.contrib.auth import backends

from borrowers.accounts.models import User


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``; the signed-in user of every request comes with
    the borrower or counselor profile and the borrower's position stamp
    (borrowers.models.PositionStamp) in the same query, since every page reads them."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related(
                "borrower__position_stamp", "counselor"
            ).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
