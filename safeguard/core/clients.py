"""Who is asking: the client's address, read the same way by every rate limit and lockout.

By default that is ``REMOTE_ADDR``, the address that opened the connection. Behind a load
balancer or reverse proxy that address is the proxy's, the same for everyone, so a limit keyed
on it would stop everybody at once. Say which header the proxies write and how many of them
there are, and the client is read from that header instead:

    SAFEGUARD_TRUSTED_PROXY_HEADER=X-Forwarded-For
    SAFEGUARD_TRUSTED_PROXY_COUNT=1

Each trusted proxy appends the address it was reached from to the right of
``X-Forwarded-For``; whatever stands further left was written by the client and can be forged.
So the client is the ``SAFEGUARD_TRUSTED_PROXY_COUNT``-th address from the right. The header is
never read unless it is configured: a service reached directly would otherwise let anyone pick
their own address (and so dodge every limit) by sending the header themselves.
"""

import ipaddress

from django.conf import settings


def _meta_key(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


def _valid(address: str) -> str | None:
    address = (address or "").strip()
    if address.startswith("[") and "]" in address:  # "[2001:db8::1]:443"
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # "192.0.2.1:443"
        address = address.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's IP address as text, or None when it cannot be told (no such request)."""
    header = getattr(settings, "SAFEGUARD_TRUSTED_PROXY_HEADER", "") or ""
    if header:
        count = max(1, int(getattr(settings, "SAFEGUARD_TRUSTED_PROXY_COUNT", 1) or 1))
        values = request.META.get(_meta_key(header), "")
        hops = [h for h in (part.strip() for part in values.split(",")) if h]
        if len(hops) >= count:
            found = _valid(hops[-count])
            if found:
                return found
        # Fewer hops than proxies (a request that did not come through them all) or nonsense
        # where a proxy's entry should be: fall back to the connection's own address.
    return _valid(request.META.get("REMOTE_ADDR", ""))


def limit_key(address: str | None) -> str:
    """What a rate limit counts against: the address, or for IPv6 its /64 (one household or
    phone gets a whole /64, so counting single IPv6 addresses would limit nobody)."""
    if not address:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
