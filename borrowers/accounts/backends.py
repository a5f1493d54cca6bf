"""Who is signed in: Django's model backend, reading the profile with the user."""

from django.contrib.auth import backends

from borrowers.accounts.models import User
from config.compiled import CompiledQuery

# Every request reads it: compiled once (config/compiled.py).
_signed_in = CompiledQuery[User](
    lambda pk: User._default_manager.select_related("borrower__position_stamp", "counselor").filter(
        pk=pk
    )
)


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``; the signed-in user of every request comes with
    the borrower or counselor profile and the borrower's position stamp
    (borrowers.models.PositionStamp) in the same query, since every page reads them."""

    def get_user(self, user_id):
        if type(user_id) is not int:  # the session's key is one (auth.get_user converts it)
            user_id = User._meta.pk.to_python(user_id)
        found = _signed_in(user_id)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
