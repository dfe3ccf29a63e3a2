"""Every "try it" exercise in the course judges answers correctly (learntools' "testing copy").

Each notebook runs once in a kernel; at each exercise cell the test runs the cell three times:
as stored (unanswered: it must not reveal the answer), with a typical wrong answer (it must say
"Not quite" and explain that slip), and with the right answer (it must say "Correct").
"""

from __future__ import annotations

import re

import nbformat
import pytest
from _course_support import ROOT
from nbclient import NotebookClient

NOTEBOOKS = ROOT / "notebooks"
STORY = "story([(0.0, 'server', 'listen'), (1.0, 'server', 'close')])"
NORMAL_CLOSE = '["ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"]'

# notebook -> exercise variable -> (right answer, typical wrong answer, words the feedback must say)
ANSWERS: dict[str, dict[str, tuple[str, str, str]]] = {
    "00-start-here": {
        "segments_in_handshake": ("3", "2", "still confirms"),
        "second_flags": ('"SYN, ACK"', '"SYN"', "ACK flag is on too"),
    },
    "01-segment-anatomy": {
        "destination_port": ("22", "54321", "source port"),
        "next_seq": ("5101", "5100", "FIN consumes one more"),
        "not_covered": ('"MAC address"', '"destination IP"', "pseudo-header"),
        "header_bytes": ("28", "27", "NOP"),
    },
    "02-three-way-handshake": {
        "synack_numbers": ("(5000, 1001)", "(5000, 1000)", "*next* number"),
        "first_speaker": ('"server"', '"client"', "server greets first"),
        "fourth_syn_time": ("7.0", "3.0", "third SYN"),
    },
    "03-data-transfer-seq-ack": {
        "server_ack": ("1121", "1120", "next one expected is 1121"),
        "next_client_seq": ("1038", "1039", "consumed nothing"),
        "segments_and_last": ("(3, 80)", "(2, 1460)", "80 bytes are still left"),
        "delayed_ack_count": ("2", "4", "every second segment"),
    },
    "04-reliable-delivery": {
        "first_rto": ("0.3", "0.15", "RTTVAR = R/2"),
        "dup_ack_and_resend": ("(1001, 0.2)", "(1001, 1.2)", "the timer"),
        "hole": ("(1001, 2001)", "(2001, 8001)", "block the receiver holds"),
    },
    "05-ordering-and-reassembly": {
        "ack_after_segment_2": ("3002", "3001", "FIN also arrived early"),
        "resent_counts": ("(3, 1)", "(1, 1)", "threw away segments 5 and 6"),
        "ack_and_block": ("(1001, (2001, 5001))", "(1001, (1001, 2001))", "bytes that arrived"),
    },
    "06-connection-teardown": {
        "final_ack": ("2", "1", "consumes one sequence number"),
        "server_state_while_sending": ('"CLOSE-WAIT"', '"ESTABLISHED"', "left ESTABLISHED"),
        "client_closed_at": ("61.4", "60.4", "restarted"),
    },
    "07-state-machine": {
        "server_waiting_state": ('"CLOSE-WAIT"', '"LAST-ACK"', "own close() sends its FIN"),
        "client_states": ('["ESTABLISHED", "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"]',
                          NORMAL_CLOSE, "FIN-WAIT-1 + FIN leads to CLOSING"),
        "my_story": (STORY, "normal", "already seen"),
    },
    "08-session-hijacking": {
        "forged_seq": ("49", "34", "*server's* next sequence number"),
        "logout_received": ("False", "True", "dropped as duplicates"),
        "guesses_exponent": ("16", "32", "divide 2^32 by the window"),
    },
    "09-real-traffic": {
        "option_bytes": ("12", "10", "padded to a multiple of 4"),
        "dup_acks": ("5", "8", "window updates"),
        "first_rst_sender": ('"client"', '"server"', "the side that gave up was the client"),
    },
    "10-flow-and-congestion-control": {
        "window_after_one": ("1000", "2000", "until the application reads them"),
        "new_ssthresh": ("16", "1", "reaction to a *timeout*"),
        "cwnd_after_timeout": ("1", "10", "Halving is the answer to duplicate ACKs"),
    },
}
EXERCISE = re.compile(r"^(\w+) = None\s+#", re.M)


def _text(cell) -> str:
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"ERROR {out.ename}: {out.evalue}")
    return "".join(parts)


def run_exercises(name: str) -> dict[str, dict[str, str]]:
    """Run notebook ``name``; each exercise cell as stored, wrongly answered, rightly answered."""
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    found: dict[str, dict[str, str]] = {}
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            match = EXERCISE.search(cell.source)
            if not match or match.group(1) not in ANSWERS[name]:
                client.execute_cell(cell, index)
                if match:
                    found[match.group(1)] = {}
                continue
            variable = match.group(1)
            right, wrong, _ = ANSWERS[name][variable]
            outputs = {}
            for label, value in (("stored", "None"), ("wrong", wrong), ("right", right)):
                trial = nbformat.v4.new_code_cell(
                    EXERCISE.sub(f"{variable} = {value}  #", cell.source, count=1))
                client.execute_cell(trial, index)
                outputs[label] = _text(trial)
            found[variable] = outputs
    return found


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_exercises_judge_right_and_wrong_answers(name):
    results = run_exercises(name)
    assert set(results) == set(ANSWERS[name]), "exercises and the answer key differ"
    for variable, outputs in results.items():
        right, wrong, says = ANSWERS[name][variable]
        assert outputs["stored"].startswith("Not answered yet"), (variable, outputs["stored"])
        assert outputs["right"].startswith("Correct"), (variable, outputs["right"])
        assert outputs["wrong"].startswith("Not quite") and says in outputs["wrong"], \
            (variable, outputs["wrong"])
        answer = outputs["right"].split(".")[0].removeprefix("Correct: ")
        assert answer not in outputs["stored"], f"{variable}: the unanswered cell reveals {answer}"
