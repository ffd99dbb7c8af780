"""Which Redis errors mean "at maxmemory": kombu's pipelines rewrite the server's message."""

from __future__ import annotations

import redis

from worker.broker.delivery import is_out_of_memory


def test_out_of_memory_is_recognised_plain_and_inside_a_pipeline() -> None:
    plain = redis.exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'.")
    piped = redis.exceptions.OutOfMemoryError(
        "Command # 2 (HSET unacked 70e9...) of pipeline caused error: "
        "command not allowed when used memory > 'maxmemory'."
    )
    assert is_out_of_memory(plain) and is_out_of_memory(piped)
    assert is_out_of_memory(
        redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'.")
    )


def test_other_errors_are_not_out_of_memory() -> None:
    assert not is_out_of_memory(redis.ResponseError("WRONGTYPE Operation against a key"))
    assert not is_out_of_memory(redis.ConnectionError("Connection refused"))
    assert not is_out_of_memory(ValueError("maxmemory"))
