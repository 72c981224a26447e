"""The generator's command tables, one module per command family.

Each module defines FAMILY (a name) and COMMANDS: a list of (command, weight, make) where
make(g) returns one command as a list of bytes, name first (`g` is an args.Gen). The
generator picks a family, then a command by weight, then mutates the arity sometimes and
randomises the case of the name. See tests/diff/README.md for adding a family.
"""
from families import (acl, blocking, config, connection, expire, functions, hashes, keyspace,
                      lists, objects, pubsub, scripting, sets, strings, transactions, zsets)

# (module, weight): how often the generator draws from each family.
FAMILIES = [
    (strings, 10),
    (expire, 6),
    (keyspace, 6),
    (hashes, 8),
    (lists, 9),
    (sets, 8),
    (zsets, 11),
    (blocking, 3),
    (objects, 2),
    (connection, 2),
    (config, 1),
    (transactions, 4),
    (scripting, 5),
    (functions, 2),
    (pubsub, 4),
    (acl, 2),
]
