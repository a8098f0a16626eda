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
