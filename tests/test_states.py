"""The transition table: the diagram and the behaviour come from the same edges."""

from __future__ import annotations

from collections import deque

import pytest

from tcpedu.errors import LocalProtocolError
from tcpedu.model.states import (
    CALL_ALLOWED,
    FIGURE_5,
    TRANSITIONS,
    State,
    Trigger,
    has_transition,
    is_edge,
    transition,
)


def test_all_eleven_states_are_reachable_from_closed():
    seen = {State.CLOSED}
    todo = deque([State.CLOSED])
    while todo:
        s = todo.popleft()
        for edge in TRANSITIONS.values():
            if edge.source is s and edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    assert seen == set(State) and len(seen) == 11


def test_every_state_can_get_back_to_closed():
    for start in State:
        seen, todo = {start}, deque([start])
        while todo:
            s = todo.popleft()
            for edge in TRANSITIONS.values():
                if edge.source is s and edge.target not in seen:
                    seen.add(edge.target)
                    todo.append(edge.target)
        assert State.CLOSED in seen, start


def test_every_edge_cites_an_rfc_9293_section():
    for (source, trigger), edge in TRANSITIONS.items():
        assert edge.source is source and edge.trigger is trigger
        assert edge.rfc.startswith("§3."), edge


def test_figure_5_has_its_twenty_edges_with_syn_received_rst_to_listen_rfc9293_figure_5():
    assert len(FIGURE_5) == 20
    assert TRANSITIONS[(State.SYN_RECEIVED, Trigger.RCV_RST)] in FIGURE_5
    assert TRANSITIONS[(State.SYN_RECEIVED, Trigger.RCV_RST)].target is State.LISTEN
    assert all(TRANSITIONS[(e.source, e.trigger)] is e for e in FIGURE_5)
    assert FIGURE_5[0].label() == "passive OPEN / create TCB"


def test_transition_lookup_and_missing_edge_error():
    assert transition(State.ESTABLISHED, Trigger.CLOSE).target is State.FIN_WAIT_1
    assert has_transition(State.FIN_WAIT_1, Trigger.RCV_FIN_AND_ACK_OF_FIN)
    with pytest.raises(LocalProtocolError, match="no transition from TIME-WAIT on active OPEN"):
        transition(State.TIME_WAIT, Trigger.ACTIVE_OPEN)


def test_is_edge_and_names():
    assert is_edge(State.FIN_WAIT_1, State.TIME_WAIT)
    assert not is_edge(State.LISTEN, State.ESTABLISHED)
    assert str(State.CLOSE_WAIT) == "CLOSE-WAIT"
    assert State.SYN_RECEIVED.synchronized and not State.SYN_SENT.synchronized
    assert State.LISTEN in CALL_ALLOWED["send"]


def test_the_model_imports_nothing_above_it_and_keeps_functions_short():
    """Issue 13's layout: tcpedu.model imports only itself and tcpedu.errors; the endpoint is
    split by job, so no function is longer than 60 lines unless its docstring calls it a hot
    path."""
    import ast
    from pathlib import Path

    import tcpedu.model

    root = Path(tcpedu.model.__file__).parent
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                depth = len(path.relative_to(root).parts)  # 1 for model/x.py
                up = node.level - depth
                assert up <= 0 or (up == 1 and node.module == "errors"), (path, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("tcpedu") for a in node.names), path
            if isinstance(node, ast.ImportFrom) and not node.level:
                assert not (node.module or "").startswith("tcpedu"), (path, node.module)
            if isinstance(node, ast.FunctionDef):
                length = node.end_lineno - node.lineno + 1
                assert length <= 60 or "hot path" in (ast.get_docstring(node) or ""), \
                    (path.name, node.name, length)
