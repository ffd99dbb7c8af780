"""Broker URLs: a Redis URL, or kombu's list of Redis Sentinels with a master name.

No server here: the clients are only built (redis-py connects on first use);
tests/integration/test_sentinel.py runs them against a real Sentinel.
"""

from __future__ import annotations

import pytest

from worker.broker.app import celery_config
from worker.broker.connect import broker_address, broker_redis, sentinel_nodes
from worker.cli.info import masked_url
from worker.core.errors import ConfigError
from worker.core.settings import Settings, load

SENTINELS = "sentinel://:s3cret@10.0.0.1:26379/2;sentinel://:s3cret@10.0.0.2;sentinel://h3:26380"


def test_each_sentinel_of_the_list_is_used_default_port_included() -> None:
    assert sentinel_nodes(SENTINELS) == [("10.0.0.1", 26379), ("10.0.0.2", 26379), ("h3", 26380)]


def test_a_sentinel_client_asks_for_the_named_master_with_the_first_entry_s_db_and_password() -> (
    None
):
    client = broker_redis(SENTINELS, "ingest", socket_timeout=3)
    pool = client.connection_pool
    assert pool.service_name == "ingest"
    assert pool.connection_kwargs["db"] == 2
    assert pool.connection_kwargs["password"] == "s3cret"
    assert pool.connection_kwargs["socket_timeout"] == 3
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["port"] for s in sentinels] == [26379, 26379, 26380]
    # The sentinels themselves are asked without the master's password, as kombu does.
    assert all(s.connection_pool.connection_kwargs.get("password") is None for s in sentinels)


def test_a_redis_url_is_read_by_redis_py_as_before() -> None:
    client = broker_redis("redis://:pw@cache:6380/3", None)
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache", 6380, 3)


def test_sentinels_without_a_master_name_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="INGEST_BROKER_MASTER_NAME"):
        broker_redis(SENTINELS, None)
    with pytest.raises(ConfigError, match="INGEST_BROKER_MASTER_NAME"):
        load(Settings, broker_url=SENTINELS)


def test_the_master_name_reaches_kombu_s_transport_options() -> None:
    settings = load(Settings, broker_url=SENTINELS, broker_master_name="ingest")
    options = celery_config(settings)["broker_transport_options"]
    assert isinstance(options, dict) and options["master_name"] == "ingest"
    plain = celery_config(load(Settings))["broker_transport_options"]
    assert isinstance(plain, dict) and "master_name" not in plain


def test_addresses_and_masked_urls_never_show_a_password() -> None:
    assert broker_address(SENTINELS) == "10.0.0.1:26379"
    assert broker_address("redis://:pw@cache/0") == "cache:6379"
    masked = masked_url(SENTINELS)
    assert "s3cret" not in masked and masked.count("***") == 2
    assert masked.split(";")[2] == "sentinel://h3:26380"
