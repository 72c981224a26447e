"""Files written by one server load in the other: Debian's redis-server (started here on its own
port and directory, whatever --server says) and the server under test exchange dump.rdb files
and AOF directories both ways, with every type and encoding, TTLs, 16 databases and a FUNCTION
library; redis-check-rdb / redis-check-aof accept what the server under test wrote. With
--server redis these run redis to redis."""
import os
import shutil

import pytest

from persist_util import (DATABASES, assert_same_data, assert_ttls_kept, bgrewriteaof,
                          db_client, fill_every_type, manifest_path, redis_check_aof,
                          redis_check_rdb, relative_and_random_workload, snapshot,
                          wait_persistence_idle)

LIBRARY = ("#!lua name=interlib\n"
           "redis.register_function('getset2', function(keys, args)\n"
           "  local old = redis.call('GET', keys[1])\n"
           "  redis.call('SET', keys[1], args[1])\n"
           "  return old\n"
           "end)\n"
           "redis.register_function{function_name='ro', callback=function(keys, args)\n"
           "  return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n")


@pytest.fixture
def redis_kind():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    return "redis"


def start_redis(start_server, *args, dir):
    return start_server(*args, dir=dir, kind="redis")


def start_sut(start_server, *args, dir):
    return start_server(*args, dir=dir)


def fill(s):
    c = s.client()
    fill_every_type(s)
    c.execute_command("FUNCTION", "LOAD", LIBRARY)
    return c


def functions(s):
    """FUNCTION LIST WITHCODE, libraries and their functions sorted by name (the order of
    either is unspecified)."""
    out = []
    for lib in s.client().execute_command("FUNCTION", "LIST", "WITHCODE"):
        entry = dict(zip(lib[::2], lib[1::2]))
        entry["functions"] = sorted(
            (dict(zip(f[::2], f[1::2])) for f in entry["functions"]), key=lambda f: f["name"])
        out.append(entry)
    return sorted(out, key=lambda e: e["library_name"])


def db_sizes(s):
    return [db_client(s, db).dbsize() for db in range(DATABASES)]


def digest(s):
    return s.client().execute_command("DEBUG", "DIGEST")


def assert_loaded_same(reader, want, want_functions, want_sizes, want_digest):
    # The whole dataset's signature (Redis's DEBUG DIGEST) matches across the servers too.
    assert digest(reader) == want_digest
    assert_same_data(snapshot(reader), want)
    assert db_sizes(reader) == want_sizes
    assert assert_ttls_kept(reader, want) >= 20
    assert functions(reader) == want_functions
    c = reader.client()
    # The library works: a read-only function and a writing one.
    assert c.execute_command("FCALL_RO", "ro", 1, "str:small") == "hello1"
    assert c.execute_command("FCALL", "getset2", 1, "str:small", "new") == "hello1"
    assert c.get("str:small") == "new"
    # Encodings the reader chose still answer the type's commands.
    assert c.object("encoding", "str:int") == "int"
    assert c.sismember("set:intset", "-100") == 1
    assert c.zscore("zset:large", "pinf") == float("inf")
    assert c.hget("hash:large", "field:999") == "value:999"
    assert c.lindex("list:large", 500) == "e500"


def rdb_round(start_server, make_dir, writer_start, reader_start):
    src = make_dir()
    writer = writer_start(start_server, dir=src)
    c = fill(writer)
    want, want_functions, want_sizes = snapshot(writer), functions(writer), db_sizes(writer)
    want_digest = digest(writer)
    assert c.execute_command("SAVE")
    writer.stop()
    dump = os.path.join(src, "dump.rdb")
    result = redis_check_rdb(dump)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RDB looks OK!" in result.stdout
    dst = make_dir()
    shutil.copy(dump, os.path.join(dst, "dump.rdb"))
    reader = reader_start(start_server, dir=dst)
    assert_loaded_same(reader, want, want_functions, want_sizes, want_digest)


def test_rdb_from_redis_loads_in_server_under_test(start_server, make_dir, redis_kind):
    rdb_round(start_server, make_dir, start_redis, start_sut)


def test_rdb_from_server_under_test_loads_in_redis(start_server, make_dir, redis_kind):
    rdb_round(start_server, make_dir, start_sut, start_redis)


def aof_round(start_server, make_dir, writer_start, reader_start, preamble):
    args = ("--appendonly", "yes", "--aof-use-rdb-preamble", preamble)
    src = make_dir()
    writer = writer_start(start_server, *args, dir=src)
    wait_persistence_idle(writer.client())
    c = fill(writer)
    # Part in a base (a rewrite), part in the incr file after it.
    bgrewriteaof(c)
    relative_and_random_workload(writer)
    c.set("after:rewrite", "tail")
    want, want_functions, want_sizes = snapshot(writer), functions(writer), db_sizes(writer)
    want_digest = digest(writer)
    writer.stop()
    result = redis_check_aof(manifest_path(src))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All AOF files and manifest are valid" in result.stdout
    dst = make_dir()
    shutil.copytree(os.path.join(src, "appendonlydir"), os.path.join(dst, "appendonlydir"))
    reader = reader_start(start_server, *args, dir=dst)
    assert_loaded_same(reader, want, want_functions, want_sizes, want_digest)
    # The reader appends to what it loaded, and loads it again.
    reader.client().set("reader:write", "1")
    reader.restart()
    assert reader.client().get("reader:write") == "1"
    assert reader.client().get("after:rewrite") == "tail"


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_from_redis_loads_in_server_under_test(start_server, make_dir, redis_kind,
                                                    preamble):
    aof_round(start_server, make_dir, start_redis, start_sut, preamble)


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_from_server_under_test_loads_in_redis(start_server, make_dir, redis_kind,
                                                    preamble):
    aof_round(start_server, make_dir, start_sut, start_redis, preamble)


def test_rdb_from_server_under_test_loads_as_aof_base_in_redis(start_server, make_dir,
                                                               redis_kind):
    """A dump.rdb of the server under test, made the base of a Redis AOF directory."""
    src = make_dir()
    writer = start_sut(start_server, dir=src)
    c = fill(writer)
    want, want_functions, want_sizes = snapshot(writer), functions(writer), db_sizes(writer)
    want_digest = digest(writer)
    assert c.execute_command("SAVE")
    writer.stop()
    dst = make_dir()
    os.makedirs(os.path.join(dst, "appendonlydir"))
    shutil.copy(os.path.join(src, "dump.rdb"),
                os.path.join(dst, "appendonlydir", "appendonly.aof.1.base.rdb"))
    open(os.path.join(dst, "appendonlydir", "appendonly.aof.1.incr.aof"), "wb").close()
    with open(manifest_path(dst), "w") as f:
        f.write("file appendonly.aof.1.base.rdb seq 1 type b\n"
                "file appendonly.aof.1.incr.aof seq 1 type i\n")
    reader = start_redis(start_server, "--appendonly", "yes", dir=dst)
    assert_loaded_same(reader, want, want_functions, want_sizes, want_digest)
