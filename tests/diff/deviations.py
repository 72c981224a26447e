"""Cinnabar's deliberate differences from Redis 7.0.15, as the fuzzer checks them; the reasons
are in docs/compatibility.md. Everything else Redis does is the spec. (Temporary, known bugs
are in known_open.py.)

1. OBJECT ENCODING of small lists and of small sets of strings is `listpack`, as in
   Redis 7.2; Redis 7.0 says `quicklist` (lists) and `hashtable` (sets of strings).
2. CLIENT SETINFO exists (Redis 7.2); the generator does not send it, and it does not send
   CONFIG SET/GET of set-max-listpack-* (Redis 7.2 and Cinnabar only) either.
"""

# Cinnabar keeps a set of strings in a listpack while it has at most this many members of
# at most this many bytes (set-max-listpack-entries/value; the fuzzer never changes them).
SET_LISTPACK_ENTRIES = 128
SET_LISTPACK_VALUE = 64


def encoding_ok(type_, redis_enc, our_enc, members=None):
    """Whether `our_enc` is an acceptable answer where Redis 7.0 said `redis_enc` for a key
    of `type_` (b"list", b"set", ...); `members` are the set's members, if known."""
    if redis_enc == our_enc:
        return True
    if type_ == b"list" and redis_enc == b"quicklist" and our_enc == b"listpack":
        return True
    if type_ == b"set" and redis_enc == b"hashtable" and our_enc == b"listpack":
        if members is None:
            return True
        return (len(members) <= SET_LISTPACK_ENTRIES
                and all(len(m) <= SET_LISTPACK_VALUE for m in members))
    return False
