"""Starting from a redis.conf-style file: quoting, units, include, `--name value` overrides,
and Redis's "FATAL CONFIG FILE ERROR" report for bad lines."""
import re
import shutil
import socket
import subprocess
import time

import pytest
import redis

from conftest import free_port


def fatal_report(s):
    """Waits for a server that must refuse to start; returns its log."""
    assert s.proc.wait(timeout=10) != 0
    return s.read_log()


def assert_fatal(log, line_text, reason):
    assert "*** FATAL CONFIG FILE ERROR (" in log
    assert re.search(r"Reading the configuration file, at line \d+", log)
    assert f">>> '{line_text}'\n{reason}\n" in log


def test_quoted_strings(start_server):
    s = start_server(config_text='requirepass "my secret\\x21 pass"\n')
    c = s.client(password="my secret! pass")
    assert c.ping() is True
    assert c.config_get("requirepass") == {"requirepass": "my secret! pass"}


def test_single_quotes_and_comments(start_server):
    text = "# a comment line\n\n   # indented comment\nrequirepass 'it\\'s'\n"
    s = start_server(config_text=text)
    assert s.client(password="it's").ping() is True


def test_memory_units(start_server):
    text = ("proto-max-bulk-len 100mb\n"
            "client-query-buffer-limit 1GB\n")
    s = start_server(config_text=text)
    c = s.client()
    assert c.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": str(100 * 1024 * 1024)}
    assert c.config_get("client-query-buffer-limit") == {
        "client-query-buffer-limit": str(1024 ** 3)}


def test_units_without_b_are_powers_of_ten(start_server):
    s = start_server(config_text="proto-max-bulk-len 2m\n")
    assert s.client().config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "2000000"}


def test_include(start_server, tmp_path):
    extra = tmp_path / "extra.conf"
    extra.write_text("maxclients 123\ntimeout 77\n")
    s = start_server(config_text=f"timeout 5\ninclude {extra}\ntcp-keepalive 60\n")
    c = s.client()
    assert c.config_get("maxclients") == {"maxclients": "123"}
    assert c.config_get("timeout") == {"timeout": "77"}  # the later line wins
    assert c.config_get("tcp-keepalive") == {"tcp-keepalive": "60"}


def test_command_line_overrides_file(start_server):
    s = start_server("--maxclients", "200", "--timeout", "9",
                     config_text="maxclients 100\ntimeout 3\ntcp-keepalive 42\n")
    c = s.client()
    assert c.config_get("maxclients") == {"maxclients": "200"}
    assert c.config_get("timeout") == {"timeout": "9"}
    assert c.config_get("tcp-keepalive") == {"tcp-keepalive": "42"}


def test_requirepass_from_file(start_server):
    s = start_server(config_text="requirepass filepass\n")
    with pytest.raises(redis.AuthenticationError):
        s.client().get("k")
    with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
        s.client(password="wrong").ping()
    assert s.client(password="filepass").ping() is True


def test_databases(start_server):
    s = start_server(config_text="databases 4\n")
    c = s.client()
    assert c.config_get("databases") == {"databases": "4"}
    assert c.execute_command("SELECT", "3") is True
    with pytest.raises(redis.ResponseError, match=r"^DB index is out of range$"):
        c.execute_command("SELECT", "4")


def test_info_reports_config_file(start_server):
    s = start_server(config_text="timeout 1\n")
    c = s.client()
    c.response_callbacks.pop("INFO", None)
    text = c.execute_command("INFO", "server")
    line = [ln for ln in text.split("\r\n") if ln.startswith("config_file:")][0]
    assert line.endswith("/server.conf")


def launch(pytestconfig, args, tmp_path):
    """Starts the server under test with exactly `args` (no harness defaults)."""
    if pytestconfig.getoption("--server") == "redis":
        cmd = [shutil.which("redis-server") or "/usr/bin/redis-server", *args]
    else:
        cmd = [pytestconfig.getoption("--server-bin"), *args,
               "--threads", pytestconfig.getoption("--threads"),
               "--io-engine", pytestconfig.getoption("--io-engine")]
    log = open(tmp_path / "launch.log", "w")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)


def wait_port(port, proc, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise AssertionError("server did not listen")


def test_port_and_bind_from_file(pytestconfig, tmp_path):
    port = free_port()
    conf = tmp_path / "p.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\n")
    proc = launch(pytestconfig, [str(conf)], tmp_path)
    try:
        wait_port(port, proc)
        c = redis.Redis(port=port, decode_responses=True)
        assert c.config_get("port") == {"port": str(port)}
        assert c.config_get("bind") == {"bind": "127.0.0.1"}
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_config_set_bind_to_overlapping_wildcard(start_server):
    # "*" covers the address listening now; the kernel refuses both at once, so the server
    # must let go of the old socket first (as Redis does).
    s = start_server("--bind", "127.0.0.1")
    c = s.client()
    assert c.config_set("bind", "* -::*") is True
    assert c.config_get("bind") == {"bind": "* -::*"}
    fresh = redis.Redis(host="127.0.0.1", port=s.port, decode_responses=True)
    assert fresh.ping() is True
    assert c.ping() is True  # connections made before stay
    assert c.config_set("bind", "127.0.0.1") is True
    assert redis.Redis(host="127.0.0.1", port=s.port).ping() is True
    fresh.close()


def test_config_set_bind_failure_keeps_listening(start_server):
    s = start_server("--bind", "127.0.0.1")
    c = s.client()
    with pytest.raises(redis.ResponseError, match="Failed to bind to specified addresses"):
        c.config_set("bind", "127.0.0.1 192.0.2.1")  # TEST-NET: not on this machine
    assert c.config_get("bind") == {"bind": "127.0.0.1"}
    assert redis.Redis(host="127.0.0.1", port=s.port).ping() is True


# --- Startup refused ---

def test_unknown_directive_fails(start_server):
    s = start_server(config_text="timeout 1\nno-such-directive 1\n", expect_start=False)
    log = fatal_report(s)
    assert_fatal(log, "no-such-directive 1", "Bad directive or wrong number of arguments")


@pytest.mark.cinnabar_only  # Redis supports unixsocket; Cinnabar refuses what it lacks
def test_unsupported_directive_names_it(start_server, tmp_path):
    s = start_server(config_text=f"unixsocket {tmp_path}/x.sock\n", expect_start=False)
    log = fatal_report(s)
    assert "FATAL CONFIG FILE ERROR" in log
    assert "unixsocket" in log.split(">>>", 1)[1]


@pytest.mark.parametrize("line,reason", [
    ("maxclients abc", "argument couldn't be parsed into an integer"),
    ("protected-mode maybe", "argument must be 'yes' or 'no'"),
    ("loglevel loud",
     "argument(s) must be one of the following: debug, verbose, notice, warning"),
    ("timeout -5", "argument must be between 0 and 2147483647 inclusive"),
    ("port", "wrong number of arguments"),
    ("proto-max-bulk-len 12xb", "argument must be a memory value"),
    ('requirepass "unbalanced', "Unbalanced quotes in configuration line"),
])
def test_bad_values_fail(start_server, line, reason):
    s = start_server(config_text=f"timeout 1\n{line}\n", expect_start=False)
    log = fatal_report(s)
    assert_fatal(log, line, reason)
    assert "at line 2" in log


def test_bad_command_line_option_fails(start_server):
    s = start_server("--maxclients", "lots", expect_start=False)
    log = fatal_report(s)
    assert "*** FATAL CONFIG FILE ERROR (" in log
    assert "argument couldn't be parsed into an integer" in log


def test_missing_include_fails(start_server):
    s = start_server(config_text="include /nonexistent/cinnabar-test.conf\n", expect_start=False)
    log = fatal_report(s)
    assert "can't open config file '/nonexistent/cinnabar-test.conf'" in log


def test_missing_config_file_fails(pytestconfig, tmp_path):
    proc = launch(pytestconfig, [str(tmp_path / "missing.conf")], tmp_path)
    assert proc.wait(timeout=10) != 0
    log = (tmp_path / "launch.log").read_text()
    assert f"Fatal error, can't open config file '{tmp_path}/missing.conf'" in log


@pytest.mark.cinnabar_only  # threads and io-engine are Cinnabar's own directives
def test_threads_and_io_engine_directives(start_server):
    s = start_server(config_text="threads 2\nio-engine epoll\n")
    c = s.client()
    # The harness's --threads/--io-engine come after the file and win.
    assert set(c.config_get("threads")) == {"threads"}
    assert c.config_get("io-engine")["io-engine"] in {"auto", "uring", "epoll"}
    with pytest.raises(redis.ResponseError, match=r"^CONFIG SET failed \(possibly related to "
                       r"argument 'threads'\) - can't set immutable config$"):
        c.config_set("threads", "3")


@pytest.mark.cinnabar_only
def test_bad_threads_value_fails(start_server):
    s = start_server(config_text="io-engine fast\n", expect_start=False)
    log = fatal_report(s)
    assert_fatal(log, "io-engine fast", "argument(s) must be one of the following: auto, uring, epoll")


def test_multi_argument_directive_as_one_argument(start_server):
    # Redis compat: `--bind "a b"` (one argument) is split like a configuration line.
    s = start_server("--bind", "127.0.0.1 -::1")
    assert s.client().config_get("bind") == {"bind": "127.0.0.1 -::1"}
