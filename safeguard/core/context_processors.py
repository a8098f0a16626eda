from django.urls import reverse


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"service_navigation": []}
    items = [
        ("Caseload", reverse("people:caseload")),
        ("Search", reverse("people:search")),
    ]
    path = request.path
    return {
        "service_navigation": [
            {"text": text, "href": href, "current": path.startswith(href)} for text, href in items
        ]
    }
