"""Responses that must not stay in a browser's or a proxy's cache."""

# Downloads of personal data whoever asks: proposal letters and complaints (PDF),
# calendar exports (.ics) and the My data archive (.zip).
PRIVATE_CONTENT_TYPES = frozenset({"application/pdf", "text/calendar", "application/zip"})


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (and ``Pragma: no-cache`` for HTTP/1.0 caches)
    on every response to a signed-in user and on every PDF, calendar or zip
    file, so that a shared computer's back button or a proxy does not keep
    someone's debts. A view that set Cache-Control itself keeps it (the
    calendar feed lets calendar apps cache it for a few minutes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        user = getattr(request, "user", None)
        if content_type in PRIVATE_CONTENT_TYPES or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
            if not response.has_header("Pragma"):
                response["Pragma"] = "no-cache"
        return response
