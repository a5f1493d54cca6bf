"""Who is signed in: Django's model backend, reading the profile with the user."""

from collections.abc import Callable

from django.contrib.auth import backends
from django.db.models import Expression

from borrowers.accounts.models import User

# Figures every page shows about the signed-in user that other apps own, read in
# the same query as the user: name -> a function building the expression (the
# plans app registers the header bell's unread count from its AppConfig.ready()).
_USER_FIGURES: dict[str, Callable[[], Expression]] = {}


def read_with_user(name: str, expression: Callable[[], Expression]) -> None:
    """Read ``expression`` (over the user's row) with the signed-in user, as
    ``request.user.<name>``."""
    _USER_FIGURES[name] = expression


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``; the signed-in user of every request comes with
    the borrower or counselor profile, the borrower's position stamp
    (borrowers.models.PositionStamp) and the figures registered with
    ``read_with_user``, in the same query, since every page reads them."""

    def get_user(self, user_id):
        try:
            user = (
                User._default_manager.select_related("borrower__position_stamp", "counselor")
                .annotate(**{name: build() for name, build in _USER_FIGURES.items()})
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
