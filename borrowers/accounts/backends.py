"""Who is signed in: Django's model backend, reading the profile with the user."""

from collections.abc import Callable

from django.contrib.auth import backends
from django.db.models import Expression

from borrowers.accounts.models import User
from config.compiled import CompiledQuery

# What other apps read of the signed-in user on every page, computed in the same
# query (a name and a function giving the expression, registered when their app
# is ready, before the first request): the bell's unread count, for one.
_with_user: dict[str, Callable[[], Expression]] = {}


def read_with_user(name: str, expression: Callable[[], Expression]) -> None:
    """Annotate the signed-in user with ``expression()`` as ``name`` (no extra query)."""
    _with_user[name] = expression


# Every request reads it: compiled once (config/compiled.py), at the first request.
_signed_in = CompiledQuery[User](
    lambda pk: (
        User._default_manager.select_related("borrower__position_stamp", "counselor")
        .annotate(**{name: expression() for name, expression in _with_user.items()})
        .filter(pk=pk)
    )
)


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``; the signed-in user of every request comes with
    the borrower or counselor profile and the borrower's position stamp
    (borrowers.models.PositionStamp) in the same query, since every page reads
    them, and with what other apps registered (``read_with_user``)."""

    def get_user(self, user_id):
        if type(user_id) is not int:  # the session's key is one (auth.get_user converts it)
            user_id = User._meta.pk.to_python(user_id)
        found = _signed_in(user_id)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
