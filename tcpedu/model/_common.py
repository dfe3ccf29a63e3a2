"""Constants the endpoint's parts share: states as module names, flag bits as plain ints, and the
sets of states in which each job happens (looked up on the hot path, so kept as frozensets)."""

from __future__ import annotations

from .segment import Flags, Options
from .states import State

# The states as module constants: ``State.X`` is an attribute lookup on the enum class.
S_CLOSED = State.CLOSED
S_CLOSE_WAIT = State.CLOSE_WAIT
S_CLOSING = State.CLOSING
S_ESTABLISHED = State.ESTABLISHED
S_FIN_WAIT_1 = State.FIN_WAIT_1
S_FIN_WAIT_2 = State.FIN_WAIT_2
S_LAST_ACK = State.LAST_ACK
S_LISTEN = State.LISTEN
S_SYN_RECEIVED = State.SYN_RECEIVED
S_SYN_SENT = State.SYN_SENT
S_TIME_WAIT = State.TIME_WAIT

F_ACK, F_SYN, F_FIN, F_RST, F_PSH = Flags.ACK, Flags.SYN, Flags.FIN, Flags.RST, Flags.PSH
F_SYN_ACK, F_FIN_ACK, F_PSH_ACK, F_RST_ACK = F_SYN | F_ACK, F_FIN | F_ACK, F_PSH | F_ACK, F_RST | F_ACK
F_FIN_PSH_ACK = F_FIN | F_PSH | F_ACK
MASK = 0xFFFFFFFF
# The same bits as plain ints: tests on the hot path avoid enum arithmetic (20x slower).
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
NO_OPTIONS = Options()

#: States in which arriving text is accepted (RFC 9293 §3.10.7.4, seventh).
TEXT_STATES = frozenset({S_ESTABLISHED, S_FIN_WAIT_1, S_FIN_WAIT_2})
#: States in which queued data and the FIN may be (re)sent.
SENDING_STATES = frozenset({S_ESTABLISHED, S_CLOSE_WAIT, S_FIN_WAIT_1, S_CLOSING, S_LAST_ACK})
#: States that send a bare ACK when one is owed (synchronized; SYN-RECEIVED owes them too,
#: RFC 9293 §3.10.7.4 first and fourth steps).
ACK_STATES = frozenset(s for s in State if s.synchronized)
#: States after our FIN is queued.
FIN_STATES = frozenset({S_FIN_WAIT_1, S_FIN_WAIT_2, S_CLOSING, S_LAST_ACK, S_TIME_WAIT})
#: The synchronized states (RFC 9293 §3.5.3: both sequence numbers known), where arriving
#: segments take §3.10.7.4.
SYNCHRONIZED_STATES = ACK_STATES
