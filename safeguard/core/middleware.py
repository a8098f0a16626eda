from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredByDefaultMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view says otherwise.

    The JSON API authenticates its own bearer tokens and answers 401 itself, so it is exempt
    here rather than being redirected to the sign-in page.
    """

    exempt_prefixes = ("/api/",)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response a browser must not keep.

    That is every response to a signed-in user (pages, exports and the API carry personal
    data; a shared office browser must not show them again after sign-out) and the public
    check-in and safety-plan pages, which the person may open on a shared phone. A view that
    set its own ``Cache-Control`` is left alone. Static files (served by whitenoise, earlier in
    MIDDLEWARE) never reach here, so they are still cached."""

    PUBLIC_PREFIXES = ("/check-in/", "/safety-plan/")
    VALUE = "no-store, private"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(
            self.PUBLIC_PREFIXES
        ):
            response["Cache-Control"] = self.VALUE
        return response
