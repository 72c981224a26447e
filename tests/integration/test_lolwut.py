"""LOLWUT: arity, errors, parameters and where the version line goes. The pictures are each
server's own (Redis draws Schotter and a Plaguemon image; Cinnabar crystals and strata), so
only their shape is compared; the last line names the server and its version."""
import re

import pytest
import redis

VERSION_LINE = re.compile(r"(Redis|Cinnabar) ver\. \d+\.\d+\.\d+$")


def lolwut(r, *args):
    return r.execute_command("LOLWUT", *args)


def test_only_the_version_line_without_a_known_version(r):
    for args in [(), ("VERSION", "4"), ("VERSION", "7"), ("foo",), ("VERSION",),
                 ("VERSION", "-1")]:
        text = lolwut(r, *args)
        assert text.endswith("\n")
        assert VERSION_LINE.match(text[:-1]), (args, text)


@pytest.mark.parametrize("version", ["5", "6"])
def test_pictures_end_with_the_version(r, version):
    text = lolwut(r, "VERSION", version)
    lines = text.rstrip("\n").split("\n")
    assert len(lines) > 5
    assert VERSION_LINE.search(lines[-1])
    # Parameters beyond the drawing's own are ignored; out-of-range ones are clamped.
    assert lolwut(r, "VERSION", version, "10", "2", "2", "9", "9")
    assert lolwut(r, "VERSION", version, "-5", "0", "-1")
    assert len(lolwut(r, "VERSION", version, "1000000", "1")) > 1000


def test_errors(r):
    for args in [("VERSION", "x"), ("VERSION", "5", "x"), ("VERSION", "6", "10", "y"),
                 ("VERSION", "5.0")]:
        with pytest.raises(redis.ResponseError) as e:
            lolwut(r, *args)
        assert str(e.value) == "value is not an integer or out of range"


@pytest.mark.cinnabar_only  # our own pictures and version line
def test_cinnabar_pictures(r):
    assert lolwut(r).startswith("Cinnabar ver. ")
    five = lolwut(r, "VERSION", "5", "40", "4", "3")
    assert five == lolwut(r, "VERSION", "5", "40", "4", "3")  # seeded by its parameters
    assert all(len(line) == 40 for line in five.split("\n")[:-3])
    six = lolwut(r, "VERSION", "6", "30", "7").split("\n")
    assert [len(line) for line in six[:7]] == [30] * 7
    assert six[8].startswith("Strata of ore")
