"""Printing cases and divergences: commands quoted as redis-cli shows them."""


def quote(b):
    """One argument as redis-cli quotes it: "..." with \\n \\r \\t \\a \\b \\" \\\\ and \\xHH."""
    if isinstance(b, str):
        b = b.encode()
    out = ['"']
    for c in b:
        ch = chr(c)
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append(f"\\x{c:02x}")
    out.append('"')
    return "".join(out)


# Commands that carry a script: shown whole (a reproducer needs the body).
SCRIPTED = {b"EVAL", b"EVAL_RO", b"SCRIPT", b"FUNCTION"}


def command_line(args, limit=400):
    if args and isinstance(args[0], bytes) and args[0][:1] == b"@" and args[0][1:].isdigit():
        return f"[subscriber {args[0][1:].decode()}] " + command_line(args[1:], limit)
    text = " ".join(quote(a) for a in args)
    if args and args[0].upper() in SCRIPTED:
        limit = max(limit, 6000)
    if len(text) > limit:
        text = text[:limit] + f" ... ({len(args)} arguments)"
    return text


def raw_text(raw, limit=1500):
    if raw is None:
        return "(none)"
    if isinstance(raw, (bytes, bytearray)):
        text = quote(bytes(raw))
    elif isinstance(raw, str):  # already text (events, a subscriber's messages)
        return raw if len(raw) <= limit * 4 else raw[:limit * 4] + "\n      ..."
    else:
        text = repr(raw)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(raw)} bytes)" if isinstance(raw, bytes) else text[:limit] + "..."
    return text


def case_text(case, mark=None):
    """The commands of a case, one a line, pipelines marked."""
    lines = []
    batches = case.batches()
    for b in batches:
        if case.pipelined and len(b) > 1:
            lines.append(f"  -- one pipeline of {len(b)} commands --")
        for i in b:
            arrow = "=>" if i == mark else "  "
            lines.append(f"  {arrow} {i + 1:3d}: {command_line(case.cmds[i])}")
        if case.pipelined and len(b) > 1:
            lines.append("  -- end of pipeline --")
    return "\n".join(lines)


def divergence_text(d, case, servers, seed):
    by_name = {s.name: s for s in servers}
    server = by_name.get(d.server)
    lines = [
        "=" * 78,
        f"DIVERGENCE from Redis ({d.kind}), seed {seed}",
        f"server: {server.describe() if server else d.server}",
        f"mode:   {case.mode()}{' — ' + case.label if case.label else ''}",
        f"what:   {d.detail}",
        "reproducer (from FLUSHALL, SELECT 0, default collection limits, SCRIPT FLUSH, "
        "FUNCTION FLUSH and the libraries of tests/diff/lua.py loaded):",
        case_text(case, d.index),
    ]
    if d.args is not None:
        lines.append(f"command {d.index + 1 if d.index is not None else '?'}: "
                     f"{command_line(d.args)}")
    lines.append(f"  redis:      {raw_text(d.ref)}")
    lines.append(f"  {d.server + ':':<11} {raw_text(d.other)}")
    lines.append("=" * 78)
    return "\n".join(lines)
