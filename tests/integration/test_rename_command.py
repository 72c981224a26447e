"""rename-command as Redis 7.0 has it, from a config file or the command line: the old name is
unknown, the new one runs the command, "" removes it (from COMMAND too), scripts use the new
names, COMMAND shows the command's own name; bad lines stop start-up with Redis's words.
Cinnabar's AOF records a renamed command by its own name, so it replays without the rename."""
import pytest
import redis

from test_config_file import assert_fatal, fatal_report

PRODUCTION = 'rename-command FLUSHALL ""\nrename-command CONFIG ""\nrename-command SET MYSET\n'


def test_renamed_and_removed_commands(start_server, server):
    s = start_server(config_text=PRODUCTION)
    c = s.client()
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("FLUSHALL")
    assert str(e.value) == "unknown command 'FLUSHALL', with args beginning with: "
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("CONFIG", "GET", "maxmemory")
    assert str(e.value).startswith("unknown command 'CONFIG'")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("SET", "a", "1")
    assert str(e.value) == "unknown command 'SET', with args beginning with: 'a' '1' "
    assert c.execute_command("myset", "a", "1") == "OK"
    assert c.get("a") == "1"
    # COMMAND knows the renamed one by its own name, and the removed ones no more.
    for name in ("COMMAND", "COMMAND INFO", "COMMAND LIST", "COMMAND COUNT"):
        c.response_callbacks.pop(name, None)  # the reply as sent
    info = c.execute_command("COMMAND", "INFO", "myset", "set", "flushall")
    assert info[0][0] == "set" and info[1] is None and info[2] is None
    plain = server.client().command_count()
    assert c.command_count() == plain - 2
    names = c.execute_command("COMMAND", "LIST")
    assert "set" in names and "flushall" not in names and "config" not in names
    # Scripts call commands by the names clients use.
    with pytest.raises(redis.ResponseError) as e:
        c.eval("return redis.call('set', 'b', '2')", 0)
    assert "Unknown Redis command called from script" in str(e.value)
    assert c.eval("return redis.call('myset', 'b', '2')", 0) == "OK"


def test_a_container_renamed_takes_its_subcommands(start_server):
    s = start_server("--rename-command", "client", "myclient")
    c = s.client()
    assert isinstance(c.execute_command("MYCLIENT", "ID"), int)
    with pytest.raises(redis.ResponseError):
        c.execute_command("CLIENT", "ID")


@pytest.mark.parametrize("line,reason", [
    ('rename-command "nosuch" "x"', "No such command in rename-command"),
    ('rename-command "get" "set"', "Target command name already exists"),
    ('rename-command "get"', "Bad directive or wrong number of arguments"),
])
def test_bad_lines_stop_start_up(start_server, line, reason):
    s = start_server(config_text=f"{line}\n", expect_start=False)
    assert_fatal(fatal_report(s), line, reason)


def test_a_name_renamed_away_is_no_longer_there(start_server):
    s = start_server(config_text="rename-command get g2\nrename-command g2 g3\n"
                                 "rename-command get x\n", expect_start=False)
    assert_fatal(fatal_report(s), "rename-command get x", "No such command in rename-command")


def test_renamed_writes_survive_a_restart(start_server):
    s = start_server("--appendonly", "yes", "--rename-command", "set", "myset")
    c = s.client()
    c.execute_command("MYSET", "k", "v")
    s.restart()
    assert s.client().get("k") == "v"


@pytest.mark.cinnabar_only  # Redis's AOF holds "MYSET", which only a server with the rename reads
def test_the_aof_names_renamed_commands_by_their_own_names(start_server):
    s = start_server("--appendonly", "yes", "--rename-command", "set", "myset")
    s.client().execute_command("MYSET", "k", "v")
    s.restart(args=["--appendonly", "yes"])
    assert s.client().get("k") == "v"
