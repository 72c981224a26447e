"""INFO as Redis 7.0 prints it: every section, in Redis's order, for each argument form
(default, all, everything, several at once); every field Redis prints in each section, in
its order; a standalone primary's replication and cluster fields; latencystats with
latency-tracking and latency-tracking-info-percentiles."""
import re

import pytest
import redis

from test_server import info, info_text

# Redis 7.0.15's fields, in its order (the persistence section of a server without an AOF).
REDIS_FIELDS = {
    "server": (
        "redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id", "redis_mode",
        "os", "arch_bits", "monotonic_clock", "multiplexing_api", "atomicvar_api",
        "gcc_version", "process_id", "process_supervised", "run_id", "tcp_port",
        "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz",
        "lru_clock", "executable", "config_file", "io_threads_active",
    ),
    "clients": (
        "connected_clients", "cluster_connections", "maxclients",
        "client_recent_max_input_buffer", "client_recent_max_output_buffer", "blocked_clients",
        "tracking_clients", "clients_in_timeout_table",
    ),
    "memory": (
        "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
        "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc",
        "used_memory_overhead", "used_memory_startup", "used_memory_dataset",
        "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
        "allocator_resident", "total_system_memory", "total_system_memory_human",
        "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
        "used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
        "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
        "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
        "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
        "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio",
        "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes",
        "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict",
        "mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves",
        "mem_clients_normal", "mem_cluster_links", "mem_aof_buffer", "mem_allocator",
        "active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects",
    ),
    "persistence": (
        "loading", "async_loading", "current_cow_peak", "current_cow_size",
        "current_cow_size_age", "current_fork_perc", "current_save_keys_processed",
        "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
        "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
        "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded", "aof_enabled",
        "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
        "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
        "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
        "module_fork_in_progress", "module_fork_last_cow_size",
    ),
    "stats": (
        "total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
        "total_net_input_bytes", "total_net_output_bytes", "total_net_repl_input_bytes",
        "total_net_repl_output_bytes", "instantaneous_input_kbps", "instantaneous_output_kbps",
        "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps",
        "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
        "expired_keys", "expired_stale_perc", "expired_time_cap_reached_count",
        "expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients",
        "total_eviction_exceeded_time", "current_eviction_exceeded_time", "keyspace_hits",
        "keyspace_misses", "pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
        "latest_fork_usec", "total_forks", "migrate_cached_sockets",
        "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
        "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
        "current_active_defrag_time", "tracking_total_keys", "tracking_total_items",
        "tracking_total_prefixes", "unexpected_error_replies", "total_error_replies",
        "dump_payload_sanitizations", "total_reads_processed", "total_writes_processed",
        "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
        "reply_buffer_expands",
    ),
    "replication": (
        "role", "connected_slaves", "master_failover_state", "master_replid", "master_replid2",
        "master_repl_offset", "second_repl_offset", "repl_backlog_active", "repl_backlog_size",
        "repl_backlog_first_byte_offset", "repl_backlog_histlen",
    ),
    "cpu": (
        "used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
        "used_cpu_sys_main_thread", "used_cpu_user_main_thread",
    ),
    "cluster": (
        "cluster_enabled",
    ),
}

DEFAULT = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
           "modules", "errorstats", "cluster", "keyspace"]
ALL = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
       "commandstats", "errorstats", "latencystats", "cluster", "keyspace"]


def headers(r, *args):
    return [line[2:].lower() for line in info_text(r, *args).split("\r\n") if line.startswith("#")]


@pytest.mark.parametrize("args,expected", [
    ((), DEFAULT),
    (("default",), DEFAULT),
    (("all",), ALL),
    (("everything",), ALL),
    (("default", "commandstats"), DEFAULT[:8] + ["commandstats"] + DEFAULT[8:]),
    (("keyspace", "cluster", "Replication"), ["replication", "cluster", "keyspace"]),
    (("latencystats",), ["latencystats"]),
    (("modules",), ["modules"]),
    (("nosuch", "other"), []),
])
def test_sections_and_their_order(r, args, expected):
    r.set("k", "v")  # so keyspace has a line
    assert headers(r, *args) == expected


@pytest.mark.parametrize("section", list(REDIS_FIELDS))
def test_every_field_redis_prints_in_its_order(r, section):
    names = list(info(r, section)[section])
    missing = [f for f in REDIS_FIELDS[section] if f not in names]
    assert missing == []
    ours = [n for n in names if n in REDIS_FIELDS[section]]
    assert ours == list(REDIS_FIELDS[section])


def test_a_standalone_primary(r):
    s = info(r, "replication", "cluster", "modules")
    rep = s["replication"]
    assert rep["role"] == "master"
    assert rep["connected_slaves"] == "0"
    assert rep["master_failover_state"] == "no-failover"
    assert re.fullmatch(r"[0-9a-f]{40}", rep["master_replid"])
    assert rep["master_replid2"] == "0" * 40
    assert rep["master_repl_offset"] == "0"
    assert rep["second_repl_offset"] == "-1"
    assert rep["repl_backlog_active"] == "0"
    assert s["cluster"] == {"cluster_enabled": "0"}
    assert s["modules"] == {}
    assert info(r, "replication")["replication"]["master_replid"] == rep["master_replid"]
    assert rep["master_replid"] != info(r, "server")["server"]["run_id"]


@pytest.fixture
def tracking(r):
    saved = r.config_get("latency-tracking*")
    yield r
    r.config_set("latency-tracking", saved["latency-tracking"])
    r.config_set("latency-tracking-info-percentiles", saved["latency-tracking-info-percentiles"])


def latencies(r):
    return info(r, "latencystats")["latencystats"]


LINE = re.compile(r"(p[0-9.]+=[0-9]+\.[0-9]{3})(,p[0-9.]+=[0-9]+\.[0-9]{3})*")


def test_latencystats_per_command_and_subcommand(tracking):
    r = tracking
    assert r.config_get("latency-tracking-info-percentiles") == {
        "latency-tracking-info-percentiles": "50 99 99.9"}
    assert r.config_get("latency-tracking") == {"latency-tracking": "yes"}
    r.config_resetstat()
    for i in range(20):
        r.set(f"k{i}", i)
    r.config_get("maxmemory")
    lat = latencies(r)
    assert set(lat) >= {"latency_percentiles_usec_set", "latency_percentiles_usec_config|get"}
    assert "latency_percentiles_usec_get" not in lat
    line = lat["latency_percentiles_usec_set"]
    assert LINE.fullmatch(line), line
    values = [float(p.split("=")[1]) for p in line.split(",")]
    assert [p.split("=")[0] for p in line.split(",")] == ["p50", "p99", "p99.9"]
    assert values == sorted(values) and values[0] > 0


def test_latencystats_percentiles_setting(tracking):
    r = tracking
    r.config_resetstat()
    r.set("a", 1)
    r.config_set("latency-tracking-info-percentiles", "0 50.5 100")
    assert r.config_get("latency-tracking-info-percentiles")[
        "latency-tracking-info-percentiles"] == "0 50.5 100"
    p0, p50, p100 = latencies(r)["latency_percentiles_usec_set"].split(",")
    assert p0.startswith("p0=") and p50.startswith("p50.5=") and p100.startswith("p100=")
    # One call: p0 is its bucket's lowest value, the others its highest.
    assert float(p0[3:]) <= float(p50[6:]) == float(p100[5:])
    r.config_set("latency-tracking-info-percentiles", "")
    assert r.config_get("latency-tracking-info-percentiles")[
        "latency-tracking-info-percentiles"] == ""
    assert "latency_percentiles_usec_set:\r\n" in info_text(r, "latencystats")
    r.config_set("latency-tracking-info-percentiles", "1e1 0x10")
    assert r.config_get("latency-tracking-info-percentiles")[
        "latency-tracking-info-percentiles"] == "10 16"
    # Six decimals at most, trailing zeros cut, in CONFIG GET and INFO alike.
    r.config_set("latency-tracking-info-percentiles", "0.0000001 12.3456789 99.99999 1e-3")
    assert r.config_get("latency-tracking-info-percentiles")[
        "latency-tracking-info-percentiles"] == "0 12.345679 99.99999 0.001"
    names = [p.split("=")[0] for p in latencies(r)["latency_percentiles_usec_set"].split(",")]
    assert names == ["p0", "p12.345679", "p99.99999", "p0.001"]


@pytest.mark.parametrize("value,error", [
    ("101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
    ("-1", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
    ("50 abc", "Invalid latency-tracking-info-percentiles parameters"),
    ("nan", "Invalid latency-tracking-info-percentiles parameters"),
    ("\t50", "Invalid latency-tracking-info-percentiles parameters"),
    ("1e-400", "Invalid latency-tracking-info-percentiles parameters"),
])
def test_latencystats_percentiles_errors(tracking, value, error):
    with pytest.raises(redis.ResponseError) as e:
        tracking.config_set("latency-tracking-info-percentiles", value)
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument "
                            f"'latency-tracking-info-percentiles') - {error}")
    assert tracking.config_get("latency-tracking-info-percentiles")[
        "latency-tracking-info-percentiles"] == "50 99 99.9"


def test_latency_tracking_off_and_resetstat(tracking):
    r = tracking
    r.set("a", 1)
    r.config_set("latency-tracking", "no")
    r.config_resetstat()
    r.set("a", 2)
    r.get("a")
    assert latencies(r) == {}
    r.config_set("latency-tracking", "yes")  # timed by the value it sets
    r.get("a")
    assert set(latencies(r)) == {"latency_percentiles_usec_get",
                                 "latency_percentiles_usec_config|set"}
