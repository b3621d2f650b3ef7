"""Access tokens of the WeCom and DingTalk APIs, kept in Django's cache (Redis in production) so
that every worker shares one token until it expires: both vendors limit how often a token may be
fetched. A token the API refuses as invalid or expired (40014, 42001) is fetched again."""

from django.core.cache import cache

# Refetched this long before the vendor says it expires.
MARGIN_SECONDS = 300


class CacheStorage:
    """wechatpy's SessionStorage interface (get, set, delete) over Django's cache."""

    prefix = "channel-token:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        cache.set(self.prefix + key, value, max(int(ttl) - MARGIN_SECONDS, 60) if ttl else None)

    def delete(self, key):
        cache.delete(self.prefix + key)

    def __getitem__(self, key):
        return self.get(key)

    def __setitem__(self, key, value):
        self.set(key, value)

    def __delitem__(self, key):
        self.delete(key)
