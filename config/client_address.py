"""Where a request comes from, for the login lockout: django-axes reads it with django-ipware.

TRUSTED_PROXY_COUNT is the number of reverse proxies in front of the application. With none (0)
the address is the connection's (REMOTE_ADDR), and an X-Forwarded-For a client sends is ignored.
Behind N proxies it is the X-Forwarded-For header, which the outermost proxy sets to the address it
sees (nginx: `proxy_set_header X-Forwarded-For $remote_addr;`) and each further proxy extends, so
that it holds exactly N addresses: the client and the N - 1 proxies after it (django-ipware's
`proxy_count`). A header of any other length, or one that is not a list of addresses, was not
written by the proxies alone and is not believed (django-ipware's strict mode, its default): the
request then has no address, and its failures count for the account only with the others like it.
"""


def axes_client_ip_settings(trusted_proxy_count: int) -> dict[str, object]:
    """The AXES_IPWARE_* settings for that many trusted proxies."""
    if trusted_proxy_count < 0:
        raise ValueError("TRUSTED_PROXY_COUNT cannot be negative")
    if trusted_proxy_count == 0:
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",), "AXES_IPWARE_PROXY_COUNT": None}
    return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR",), "AXES_IPWARE_PROXY_COUNT": trusted_proxy_count - 1}
