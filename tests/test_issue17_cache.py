"""Issue 17, cheaper pages: the Redis cache reuses one client per connection pool (Django's
builds one per call) and still behaves as a cache: values, missing keys, counters, many keys."""

import os

import pytest
from django.core.cache.backends.redis import RedisSerializer

from mentorship.cache import RedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def test_one_client_per_pool_and_a_working_cache():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-issue17-cache"})
    cache.clear()
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.set("a", {"b": [1, 2]}, 30)
    assert cache.get("a") == {"b": [1, 2]}
    assert cache.get("missing", "default") == "default"
    cache.set("n", 5, None)
    assert cache.incr("n") == 6
    cache.set_many({"x": 1, "y": "two"})
    assert cache.get_many(["x", "y", "z"]) == {"x": 1, "y": "two"}
    assert cache.add("x", 2) is False
    assert isinstance(cache._cache._serializer, RedisSerializer)
    cache.clear()
