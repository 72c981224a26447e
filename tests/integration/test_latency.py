"""LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR/HISTOGRAM/HELP and the latency monitor as
Redis 7.0 keeps it: spikes of at least latency-monitor-threshold ms, one sample a second per
event (the largest), the largest ever; "command" for slow commands, "fast-command" for those
flagged fast, "expire-del" for deleting an expired key; replies, texts and errors."""
import re
import time

import pytest
import redis

HELP = [
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the "
    "specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
]

QUIET = ("Dave, no latency spike was observed during the lifetime of this Redis instance, not "
         "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
         "pill, and think things over.\n")


def set_threshold(r, ms):
    r.config_set("latency-monitor-threshold", ms)


@pytest.fixture
def lat(r):
    """The monitor on at 10 ms (DEBUG SLEEP makes the spikes) and empty; off afterwards."""
    saved = r.config_get("latency-monitor-threshold")["latency-monitor-threshold"]
    set_threshold(r, 10)
    r.execute_command("LATENCY", "RESET")
    yield r
    set_threshold(r, saved)
    r.execute_command("LATENCY", "RESET")


def latest(r):
    """{event: (time, ms, max)}"""
    return {e[0]: tuple(e[1:]) for e in r.execute_command("LATENCY", "LATEST")}


def history(r, event):
    return [tuple(s) for s in r.execute_command("LATENCY", "HISTORY", event)]


def sleep_ms(r, ms):
    r.execute_command("DEBUG", "SLEEP", ms / 1000)


def test_help(r):
    assert r.execute_command("LATENCY", "HELP") == HELP


@pytest.mark.parametrize("args, error", [
    (["LATENCY"], "wrong number of arguments for 'latency' command"),
    (["LATENCY", "HISTORY"], "wrong number of arguments for 'latency|history' command"),
    (["LATENCY", "HISTORY", "a", "b"], "wrong number of arguments for 'latency|history' command"),
    (["LATENCY", "GRAPH"], "wrong number of arguments for 'latency|graph' command"),
    (["LATENCY", "LATEST", "x"], "wrong number of arguments for 'latency|latest' command"),
    (["LATENCY", "DOCTOR", "x"], "wrong number of arguments for 'latency|doctor' command"),
    (["LATENCY", "HELP", "x"], "wrong number of arguments for 'latency|help' command"),
    (["LATENCY", "FOO"], "unknown subcommand 'FOO'. Try LATENCY HELP."),
    (["LATENCY", "GRAPH", "nothing"], "No samples available for event 'nothing'"),
])
def test_errors(r, args, error):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert str(e.value) == error


def test_doctor_when_off_and_when_quiet(r):
    saved = r.config_get("latency-monitor-threshold")["latency-monitor-threshold"]
    try:
        set_threshold(r, 0)
        r.execute_command("LATENCY", "RESET")
        report = r.execute_command("LATENCY", "DOCTOR")
        assert report.startswith("I'm sorry, Dave, I can't do that. Latency monitoring is "
                                 "disabled in this Redis instance.")
        set_threshold(r, 100000)
        assert r.execute_command("LATENCY", "DOCTOR") == QUIET
    finally:
        set_threshold(r, saved)


def test_nothing_recorded_while_off(r):
    saved = r.config_get("latency-monitor-threshold")["latency-monitor-threshold"]
    try:
        set_threshold(r, 0)
        r.execute_command("LATENCY", "RESET")
        sleep_ms(r, 30)
        assert r.execute_command("LATENCY", "LATEST") == []
    finally:
        set_threshold(r, saved)


def test_a_spike_is_the_command_event(lat):
    sleep_ms(lat, 5)  # under the threshold: nothing
    assert latest(lat) == {}
    before = int(time.time())
    sleep_ms(lat, 50)
    got = latest(lat)
    assert list(got) == ["command"]
    t, ms, worst = got["command"]
    assert before <= t <= time.time() + 1
    assert 50 <= ms < 1000 and worst == ms
    assert history(lat, "command") == [(t, ms)]
    assert history(lat, "COMMAND") == []  # exact names
    assert history(lat, "nothing") == []


def test_one_sample_a_second_the_largest_and_the_worst_ever(lat):
    sleep_ms(lat, 30)
    time.sleep(1.1)
    sleep_ms(lat, 80)
    sleep_ms(lat, 20)
    samples = history(lat, "command")
    times = [t for t, _ in samples]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert 2 <= len(samples) <= 3
    assert 30 <= samples[0][1] < 80
    assert max(ms for _, ms in samples) >= 80
    _, last_ms, worst = latest(lat)["command"]
    assert worst == max(ms for _, ms in samples)
    assert last_ms == samples[-1][1]


def test_reset(lat):
    sleep_ms(lat, 20)
    assert lat.execute_command("LATENCY", "RESET", "nothing") == 0
    assert lat.execute_command("LATENCY", "RESET", "COMMAND", "command") == 1  # any case
    assert latest(lat) == {}
    assert history(lat, "command") == []
    sleep_ms(lat, 20)
    assert lat.execute_command("LATENCY", "RESET") == 1
    assert lat.execute_command("LATENCY", "RESET") == 0


def test_multi_and_script_spikes_are_commands(lat):
    p = lat.pipeline(transaction=True)
    p.execute_command("DEBUG", "SLEEP", 0.03)
    p.execute()
    assert latest(lat)["command"][1] >= 30
    lat.execute_command("LATENCY", "RESET")
    lat.eval("local t = redis.call('time') local n = 0 "
             "while true do n = n + 1 local now = redis.call('time') "
             "if (now[1] - t[1]) * 1000000 + now[2] - t[2] > 30000 then return n end end", 0)
    assert latest(lat)["command"][1] >= 30


def test_fast_commands_are_their_own_event(lat):
    set_threshold(lat, 1)
    lat.execute_command("RPUSH", "big", *range(400000))  # RPUSH is flagged fast
    set_threshold(lat, 10)
    assert "fast-command" in latest(lat)


def test_deleting_a_large_expired_key_is_expire_del(lat):
    for start in range(0, 300000, 100000):
        lat.sadd("bigset", *(f"member:{i}" for i in range(start, start + 100000)))
    set_threshold(lat, 1)
    lat.pexpire("bigset", 1)
    time.sleep(0.05)
    assert lat.exists("bigset") == 0
    set_threshold(lat, 10)
    assert "expire-del" in latest(lat)


def test_graph(lat):
    sleep_ms(lat, 40)
    lines = lat.execute_command("LATENCY", "GRAPH", "command").split("\n")
    ms = latest(lat)["command"][1]
    assert lines[0] == f"command - high {ms} ms, low {ms} ms (all time high {ms} ms)"
    assert lines[1] == "-" * 80
    # One sample: the lowest mark in the fourth row, a blank row, then its age downwards.
    assert lines[2:7] == [" ", " ", " ", "_", " "]
    assert re.fullmatch(r"\d", lines[7]) and lines[8] == "s" and lines[9:] == [""]


def test_graph_scales_between_low_and_high(lat):
    sleep_ms(lat, 20)
    time.sleep(1.05)
    sleep_ms(lat, 120)
    samples = history(lat, "command")
    if len(samples) != 2:
        pytest.skip("the two spikes fell in one second")
    lines = lat.execute_command("LATENCY", "GRAPH", "command").split("\n")
    assert lines[0].startswith(f"command - high {samples[1][1]} ms, low {samples[0][1]} ms")
    assert lines[2:7] == [" #", " |", " |", "_|", "  "]


def test_doctor_reports_each_event(lat):
    sleep_ms(lat, 30)
    report = lat.execute_command("LATENCY", "DOCTOR")
    ms = latest(lat)["command"][1]
    assert report.startswith("Dave, I have observed latency spikes in this Redis instance. "
                             "You don't mind talking about it, do you Dave?\n\n")
    assert re.search(rf"\n1\. command: 1 latency spikes \(average {ms}ms, mean deviation 0ms, "
                     rf"period \d+\.\d\d sec\)\. Worst all time event {ms}ms\.\n", report)
    assert "\nI have a few advices for you:\n\n" in report
    # Advice to lower slowlog-log-slower-than only when it is above the threshold (10 ms).
    slower_than = int(lat.config_get("slowlog-log-slower-than")["slowlog-log-slower-than"])
    advised = "'CONFIG SET slowlog-log-slower-than 10000'" in report
    assert advised == (slower_than < 0 or slower_than // 1000 > 10)


def test_verbatim_text_in_resp3(lat, raw):
    sleep_ms(lat, 20)
    c = raw()
    c.send(b"HELLO 3\r\n")
    c.read()
    c.send(b"LATENCY GRAPH command\r\n")
    assert re.match(rb"=\d+\r\ntxt:command - high ", c.read())
    c.send(b"LATENCY DOCTOR\r\n")
    assert re.match(rb"=\d+\r\ntxt:Dave, I have observed", c.read())


def pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def histogram(r, *commands):
    """{command: (calls, {usec: cumulative count})} from the RESP2 reply."""
    out = {}
    for name, body in pairs(r.execute_command("LATENCY", "HISTOGRAM", *commands)).items():
        body = pairs(body)
        assert list(body) == ["calls", "histogram_usec"]
        out[name] = (body["calls"], pairs(body["histogram_usec"]))
    return out


# The steps Redis reports: the highest value (in µs) of HdrHistogram's bucket at
# 1024 ns * 2^k, k = 0, 1, ... (1, 2, 4, 8, 16, 33, 66, 132, ...).
def _steps():
    steps = []
    for k in range(20):
        v = 1024 << k
        width = 1 << max(0, v.bit_length() - 8)
        steps.append((v + width - 1) // 1000)
    return steps


STEPS = _steps()


def test_histogram(r):
    r.config_resetstat()
    for _ in range(3):
        r.set("k", "v")
    r.execute_command("DEBUG", "SLEEP", 0.002)
    got = histogram(r, "set", "debug", "nosuch", "get|x")
    assert list(got) == ["set", "debug"]
    calls, buckets = got["set"]
    assert calls == 3
    counts = list(buckets.values())
    assert counts == sorted(counts) and len(set(counts)) == len(counts) and counts[-1] == 3
    assert set(buckets) <= set(STEPS)
    calls, buckets = got["debug"]
    assert calls == 1 and list(buckets.values()) == [1]
    assert 2000 <= list(buckets)[0] <= 4300  # 2 ms lands at 2113 or above
    assert histogram(r, "nosuch") == {}


def test_histogram_of_subcommands_and_all(r):
    r.config_resetstat()
    r.config_set("latency-tracking", "yes")
    r.get("k")
    assert list(histogram(r, "CONFIG|SET")) == ["config|set"]
    assert "config|set" in histogram(r, "config")
    every = histogram(r)
    assert "get" in every and "config|set" in every
    assert all(calls >= 1 for calls, _ in every.values())


def test_histogram_in_resp3(r, raw):
    r.config_resetstat()
    r.set("k", "v")
    c = raw()
    c.send(b"HELLO 3\r\n")
    c.read()
    c.send(b"LATENCY HISTOGRAM set\r\n")
    reply = c.read()
    assert re.fullmatch(rb"%1\r\n\$3\r\nset\r\n%2\r\n\$5\r\ncalls\r\n:1\r\n"
                        rb"\$14\r\nhistogram_usec\r\n%1\r\n:\d+\r\n:1\r\n", reply), reply
