"""Cinnabar's deliberate differences from Redis 7.0.15, as the fuzzer checks them; the reasons
are in docs/compatibility.md. Everything else Redis does is the spec. (Temporary, known bugs
are in known_open.py.)

1. OBJECT ENCODING of small lists and of small sets of strings is `listpack`, as in
   Redis 7.2; Redis 7.0 says `quicklist` (lists) and `hashtable` (sets of strings).
2. CLIENT SETINFO exists (Redis 7.2); the generator does not send it, and it does not send
   CONFIG SET/GET of set-max-listpack-* (Redis 7.2 and Cinnabar only) either.
3. Keyspace events of a blocked BLMOVE / BRPOPLPUSH served across shards (threads > 1):
   the source's pop (and del) come before the destination's new and push; Redis reports
   the push first (the element is taken on the source's shard, then delivered to the
   destination's; the events of the pushing client's later commands on other shards may
   come before, between or among the destination's, which keep their own order).
   `blocked_move_events_ok`.
4. ACL LIST / GETUSER name a user's single commands (`+@all -lpush -hget`) in Cinnabar's
   command order, Redis in its hash table's; the generator keeps to rules both spell alike
   otherwise (families/acl.py). `acl_rules_canon`.
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


_PUSHED = {b"new", b"lpush", b"rpush"}
_POPPED = {b"lpop", b"rpop", b"del"}  # the source's pop, and its del if it emptied


def blocked_move_events_ok(blocking, threads, ref, other):
    """Whether `other` is Redis's event sequence `ref` with the destination's events of the
    blocked move `blocking` (BLMOVE / BRPOPLPUSH src dst ...) moved after the source's (3.)."""
    import notify
    name = blocking[0].upper() if blocking else b""
    if threads <= 1 or name not in (b"BLMOVE", b"BRPOPLPUSH") or len(blocking) < 3:
        return False
    src, dst = blocking[1], blocking[2]
    if src == dst:
        return False

    def run(i, key, names, once=False):
        # With `once`, one notification only: its keyspace and keyevent messages (a later
        # command's identical pop is not the move's).
        seen = set()
        while i < len(ref) and notify.key_of(ref[i]) == key and notify.name(ref[i]) in names:
            if once and ref[i][0][:11] in seen:
                break
            seen.add(ref[i][0][:11])
            i += 1
        return i

    for i in range(len(ref)):
        j = run(i, dst, _PUSHED)
        if j == i or j == len(ref) or notify.name(ref[j]) not in _POPPED - {b"del"}:
            continue
        k = run(run(j, src, {notify.name(ref[j])}, once=True), src, {b"del"}, once=True)
        if k == j:
            continue
        # The destination's events after the source's, in their order; other shards' events
        # of later commands (the pushing client's pipeline) may come among them.
        block, rest = ref[i:j], ref[:i] + ref[j:]
        if _interleaved(other, block, rest, i + k - j):
            return True
    return False


def _interleaved(other, block, rest, first):
    """Whether `other` is `rest` with `block`'s events put in, in order, none before
    index `first`."""
    if len(other) != len(block) + len(rest) or other[:first] != rest[:first]:
        return False
    taken, remainder = 0, list(other[:first])
    for event in other[first:]:
        if taken < len(block) and event == block[taken]:
            taken += 1
        else:
            remainder.append(event)
    return taken == len(block) and remainder == rest


def _sorted_singles(text):
    """Rules text with each run of single-command words (+get -set, not +@cat) sorted."""
    words, out, run = text.split(b" "), [], []
    for w in words + [b""]:
        if w[:1] in (b"+", b"-") and w[1:2] != b"@":
            run.append(w)
            continue
        out += sorted(run)
        run = []
        out.append(w)
    return b" ".join(out[:-1])


def acl_rules_canon(node):
    """A reply of ACL LIST or GETUSER with the single commands of every rules text sorted."""
    if node.is_aggregate() and node.value is not None:
        return (node.kind, tuple(acl_rules_canon(c) for c in node.value))
    if isinstance(node.value, bytes):
        return (node.kind, _sorted_singles(node.value))
    return (node.kind, node.value)
