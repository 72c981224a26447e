"""The seeded generator: random cases over the family tables in families/."""
import known_open
import subscribers
import tx
from args import BLOCKING, Gen
from families import FAMILIES
from runner import Case


# Commands whose arity is never changed: HELLO without its version (or without its bad
# option) answers the server's own id and switches protocols.
NEVER_MUTATE = {b"HELLO"}
# Nor those of scripts: a shifted numkeys could declare keys to a body that must run with
# none (lua.py); the scripting families make their own argument errors.
NEVER_MUTATE |= {b"EVAL", b"EVALSHA", b"EVAL_RO", b"EVALSHA_RO", b"FCALL", b"FCALL_RO"}

# How much a case's focus families gain in weight (blocking ones less: a wait on an empty
# key costs its whole timeout).
FOCUS = {"blocking": 3}


class Generator:
    def __init__(self, rng):
        self.rng = rng
        self.g = Gen(rng)
        self.tables = []
        self.modules = [module for module, _ in FAMILIES]
        for module, weight in FAMILIES:
            cmds = [(name, w, make) for name, w, make in module.COMMANDS if w > 0]
            self.tables.append((module.FAMILY, weight, cmds))
        # Families that also write whole blocks (MULTI ... EXEC): module.block(g, body).
        self.blocks = {module.FAMILY: module.block for module in self.modules
                       if hasattr(module, "block")}
        # Of those, the ones whose single commands may go into another family's block.
        self.in_blocks = {module.FAMILY for module in self.modules
                          if getattr(module, "IN_BLOCKS", False)}

    def prelude(self, focus):
        """Some data first, so that reads find something: the focus families' preludes and,
        by chance, the others'."""
        mods = [self.modules[i] for i in focus if hasattr(self.modules[i], "prelude")]
        typed = [m for m in self.modules if hasattr(m, "prelude")]
        mods += [m for m in typed if m not in mods and self.rng.random() < 0.5]
        if self.rng.random() < 0.1:
            return []
        out = []
        for m in mods:
            out += m.prelude(self.g)
        return out

    def draw(self, family_weights, inside):
        """The next commands: one, or (from a family with a block writer, outside a
        transaction, sometimes) a whole MULTI ... EXEC block."""
        family, _, _ = self.rng.choices(self.tables, weights=family_weights)[0]
        if family in self.blocks and not inside and self.g.chance(0.6):
            body_weights = [0 if t[0] in self.blocks and t[0] not in self.in_blocks else w
                            for t, w in zip(self.tables, family_weights)]
            return self.blocks[family](self.g, lambda: self.command(body_weights, True))
        return [self.command(family_weights, inside, family)]

    def command(self, family_weights, inside=False, family=None):
        """One command (mutated); inside a transaction only one whose check needs no probe
        or post step (tx.queue_safe)."""
        rng, g = self.rng, self.g
        if family is None:
            family = rng.choices(self.tables, weights=family_weights)[0][0]
        cmds = next(t[2] for t in self.tables if t[0] == family)
        for _ in range(100):
            _, _, make = rng.choices(cmds, weights=[w for _, w, _ in cmds])[0]
            args = make(g)
            args = self.mutate(args)
            if known_open.avoid(args) or inside and not tx.queue_safe(args):
                continue
            return args
        return [b"PING"]

    def mutate(self, args):
        """Sometimes the wrong number of arguments; always a random case for the name."""
        rng, g = self.rng, self.g
        args = list(args)
        if subscribers.marker(args) is not None:  # a subscriber's step: its command
            return args[:1] + self.mutate(args[1:]) if len(args) > 1 else args
        r = rng.random()
        if args[0] in NEVER_MUTATE:
            pass
        elif r < 0.03 and len(args) > 1:
            del args[rng.randrange(1, len(args))]
        elif r < 0.05:
            # Into a blocking command only a word that cannot be read as a timeout: a
            # shifted argument must never become a long (or endless) wait.
            extra = b"xyz" if args[0] in BLOCKING else g.value()
            args.insert(rng.randrange(1, len(args) + 1), extra)
        args[0] = g.kw(args[0])
        return args

    def case(self):
        """A sequence of 5-80 commands that leans on one to three families (so the keys of
        those types get deep enough to matter), sequential or pipelined, RESP2 or RESP3."""
        rng = self.rng
        for m in self.modules:
            if hasattr(m, "start"):
                m.start(self.g)  # per-case generator state (the scripts of this case)
        weights = [w for _, w, _ in self.tables]
        focus = rng.sample(range(len(weights)), rng.randint(1, 3))
        for i in focus:
            weights[i] *= FOCUS.get(self.tables[i][0], 8)
        self.g.same_scores = rng.random() < 0.3
        n = rng.choice([rng.randint(5, 30), rng.randint(20, 80)])
        cmds = self.prelude(focus)
        sim = tx.Sim()
        for args in cmds:
            sim.step(args)
        for _ in range(n):
            for _ in range(20):
                more = self.draw(weights, sim.open)
                if not any(known_open.avoid_next(cmds + more[:i], args)
                           for i, args in enumerate(more)):
                    break
            else:
                continue
            for args in more:
                sim.step(args)
                cmds.append(args)
        n = len(cmds)
        pipelined = rng.random() < 0.5
        resp = 3 if rng.random() < 0.5 else 2
        if pipelined:
            ids, bid, left = [], 0, 0
            for _ in cmds:
                if left == 0:
                    bid += 1
                    left = rng.choice([1, 2, 3, 5, 8, rng.randint(1, 40)])
                ids.append(bid)
                left -= 1
        else:
            ids = list(range(n))
        return Case(cmds, ids, resp, pipelined)
