"""Write every lab's three notebooks from one description, so they cannot drift apart.

    .venv/bin/python course/labs/build_labs.py          # rewrite the notebooks
    .venv/bin/python course/labs/build_labs.py --check  # exit 1 if any notebook is stale
    .venv/bin/python course/labs/build_labs.py --release DIR [--graded]  # student copies only

For each lab ``NN-name/``:

- ``lab.ipynb`` — the student version: ``answer = ____`` cells with ``qN.check()``; no answers.
- ``instructor/solution.ipynb`` — the same lab answered by reading the model (never released).
- ``instructor/testing.ipynb`` — learntools-style proof of the checks: for each question the
  unanswered, right (in every accepted form) and wrong answers, asserted.

Answers are never written here: the checks compute them from the model for the student's variant.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Q:
    """One question's notebook material: context, solution code, accepted forms, wrong answers."""

    var: str
    text: str
    solution: str
    forms: tuple[str, ...] = ()
    wrong: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LabNotebook:
    folder: str
    lab_id: str
    title: str
    intro: str
    explore: str
    questions: tuple[Q, ...]
    outro: str
    minutes: int = 45
    testing_setup: str = ""
    prerequisites: str = ""
    extra_cells: tuple[str, ...] = field(default=())


HOW = """\
**How this lab works.** Set `STUDENT` to the id your instructor asked for (leave it empty to
practise): it picks *your* variant, so your numbers differ from your neighbour's. Each question
names a variable; replace `____` with your answer and run the cell: `qN.check()` tells you at once
whether it is right, and when it is not, what the mistake probably is. Stuck? `qN.hint()`.
Practising alone? `qN.solution()` shows the worked answer (it is switched off in graded labs).
Sequence numbers may be written as ints, hex (`0x...`) or relative to the ISN (as Wireshark shows).
"""

LABS: tuple[LabNotebook, ...] = (
    LabNotebook(
        "01-handshake", "01-handshake", "Lab 1 — The handshake and SEQ/ACK arithmetic",
        intro="""\
A client opens a connection, one side sends a first message, the other answers, and the
connection closes. Your variant has its own ISNs, message sizes and protocol (HTTP, where the
client speaks first, or SMTP, where the server greets first). Work out the numbers **before**
looking at the full trace; the last cell shows it so you can see why each answer is what it is.""",
        prerequisites="Notebooks 02 (three-way handshake) and 03 (SEQ and ACK).",
        explore="""\
client = lab.trace.segments("client")   # what the client put on the wire, in order
server = lab.trace.segments("server")
syn, synack = client[0].segment, server[0].segment
print("SYN:", syn)""",
        questions=(
            Q("synack_ack", "The server answers the SYN with a SYN-ACK.",
              "synack_ack = (syn.seq + 1) % 2**32   # the SYN consumes one sequence number",
              forms=("hex(right)", "str(right)", "1  # relative to the client's ISN"),
              wrong=(("syn.seq", "one too small: the SYN consumes one sequence number"),
                     ("(syn.seq + 2) % 2**32", "one too big"),
                     ("synack.seq", "server's own ISN"),
                     ("syn.seq + 1 + 2**32", "wrap around"),
                     ("'one more than the ISN'", "could not read"))),
            Q("third_seq", "The client completes the handshake with an ACK.",
              "third_seq = (syn.seq + 1) % 2**32",
              forms=("hex(right)", "1"),
              wrong=(("syn.seq", "one too small"),
                     ("(synack.seq + 1) % 2**32", "ACK number of the third segment"))),
            Q("third_ack", "Same segment, the other number.",
              "third_ack = (synack.seq + 1) % 2**32",
              forms=("str(right)", "1  # relative to the server's ISN"),
              wrong=(("synack.seq", "server's SYN consumes one sequence number too"),
                     ("(syn.seq + 1) % 2**32", "client's own next SEQ"))),
            Q("request_ack", "Now the data flows: the client's first data segment arrives.",
              """\
request = next(s.segment for s in client if s.segment.payload)
request_ack = (request.seq + len(request.payload)) % 2**32""",
              forms=("hex(right)",),
              wrong=(("(right - 1) % 2**32", "one too small: the ACK names the next byte"),
                     ("request.seq", "move past"),
                     ("(right + 1) % 2**32", "one too big"))),
            Q("response_seq", "Rule 2 of note 1: the receiver of a segment uses the ACK number it "
              "received as its own SEQ.",
              "response_seq = (synack.seq + 1) % 2**32   # = the ACK number the server received",
              forms=("1",),
              wrong=(("synack.seq", "one too small: the server's SYN consumed its ISN"),
                     ("request_ack", "client's numbering"))),
            Q("speaks_first", "Note 1's quiz: who speaks first after the handshake?",
              "speaks_first = next(s.src for s in lab.trace.segments() if s.segment.payload)",
              forms=("right.upper()", "' ' + right + ' '"),
              wrong=(("'server' if right == 'client' else 'client'", "first segment with a "
                      "payload"),
                     ("'router'", "not one of"))),
        ),
        outro="""\
Now compare every answer with what really went over the wire:""",
        minutes=40),
    LabNotebook(
        "02-loss", "02-loss", "Lab 2 — Loss, duplicate ACKs and retransmission",
        intro="""\
The client sends a burst of full segments; the network loses one of them. Which one, and how
big the segments are, depends on your variant. Predict what the receiver says and what the sender
does, then check against the trace at the end.""",
        prerequisites="Notebook 04 (reliable delivery).",
        explore="""\
client = lab.trace.segments("client")
isn, mss = client[0].segment.seq, lab.facts["mss"]
lost_index, count = lab.facts["lost_index"], lab.facts["count"]""",
        questions=(
            Q("lost_seq", "The first data byte is ISN + 1; every segment carries `mss` bytes.",
              "lost_seq = (isn + 1 + (lost_index - 1) * mss) % 2**32",
              forms=("hex(right)", "1 + (lost_index - 1) * mss  # relative"),
              wrong=(("(right + mss) % 2**32", "segment after the lost one"),
                     ("(right - mss) % 2**32", "arrived fine"))),
            Q("dup_ack_number", "Every segment after the hole makes the receiver send an ACK.",
              "dup_ack_number = lost_seq",
              forms=("str(right)",),
              wrong=(("(lost_seq + 2 * mss) % 2**32",
                      "you acknowledged the segment that arrived out of order; TCP's ACK is "
                      "cumulative"),
                     ("(lost_seq + mss) % 2**32", "first missing byte"))),
            Q("dup_acks", "Count only the duplicates: the first ACK with that number is the "
              "original.",
              "dup_acks = 3   # RFC 5681: the third duplicate ACK triggers fast retransmit",
              forms=("'3'",),
              wrong=(("right + 1", "you counted the first ACK with that number too"),
                     ("-1", "negative"))),
            Q("retransmitted", "Count the data segments the client sends a second time.",
              "retransmitted = sum(1 for s in client if s.note == 'retransmission')",
              wrong=(("count - lost_index + 1", "Go-Back-N"),
                     ("0", "has to be sent again"))),
            Q("ack_after_retransmit", "The retransmission fills the hole.",
              "ack_after_retransmit = (isn + 1 + count * mss) % 2**32",
              forms=("1 + count * mss",),
              wrong=(("(lost_seq + mss) % 2**32", "jumps past all of them"),
                     ("lost_seq", "the ACK moves on"))),
        ),
        outro="Compare with the trace (the lost segment is marked ✗):"),
    LabNotebook(
        "03-reordering", "03-reordering",
        "Lab 3 — Reordering and reassembly: TCP against Go-Back-N",
        intro="""\
The network holds one segment up so that later ones overtake it (note 2's "1, 3, 2"). The same
transfer runs twice: once to a TCP receiver, which keeps early segments in an out-of-order queue,
and once to a Go-Back-N receiver, which throws them away. Note 2 said the receiver "asks to
resend from packet 2": see which receiver really does that.""",
        prerequisites="Notebook 05 (ordering and reassembly).",
        explore="""\
isn, mss = lab.facts["client_isn"], lab.facts["mss"]
count, late = lab.facts["count"], lab.facts["late"]""",
        questions=(
            Q("ack_for_out_of_order", "Data starts at `isn + 1`; data segment *k* starts "
              "`(k - 1) * mss` bytes later.",
              "ack_for_out_of_order = (isn + 1 + (late - 1) * mss) % 2**32",
              forms=("hex(right)", "1 + (late - 1) * mss"),
              wrong=(("(isn + 1 + (late + 1) * mss) % 2**32",
                      "you acknowledged the segment that arrived out of order; TCP's ACK is "
                      "cumulative"),
                     ("(isn + 1 + late * mss) % 2**32", "has not arrived yet"))),
            Q("buffered_bytes", "The TCP receiver keeps what arrived early in its out-of-order queue.",
              "buffered_bytes = (count - late) * mss",
              wrong=(("0", "out-of-order queue"),)),
            Q("ack_after_gap", "Then the held-up segment arrives.",
              "ack_after_gap = (isn + 1 + count * mss) % 2**32",
              forms=("1 + count * mss",),
              wrong=(("(isn + 1 + late * mss) % 2**32", "jumps past them all"),)),
            Q("tcp_retransmissions", "Reordering is not loss — but can the sender tell the difference?",
              "tcp_retransmissions = sum(1 for s in lab.trace.segments('client') "
              "if s.note == 'retransmission')",
              wrong=(("right + 1", "late, not lost"),)),
            Q("gbn_retransmissions", "Now the same transfer to a Go-Back-N receiver "
              "(`lab.facts['gbn']`, shown by `lab.table('gbn')` at the end).",
              "gbn_retransmissions = sum(1 for s in lab.facts['gbn'].segments('client') "
              "if s.note == 'retransmission')",
              wrong=(("0", "threw away"),)),
        ),
        outro="The TCP run, then the Go-Back-N run:",
        extra_cells=('lab.table("gbn")',)),
    LabNotebook(
        "04-teardown", "04-teardown", "Lab 4 — Teardown and the state machine",
        intro="""\
Two runs. In the first, one side (your variant says which) closes, the other closes shortly
after: the four-way teardown. In the second, the client closes but the server's application
*never* calls `close()` — the bug behind servers that pile up thousands of CLOSE-WAIT sockets
(`ss -tan state close-wait`). States are RFC 9293 names: write `"CLOSE-WAIT"`, `"close_wait"`...""",
        prerequisites="Notebooks 06 (teardown) and 07 (the state machine).",
        explore="""\
closer, msl = lab.facts["closer"], lab.facts["msl"]
passive = {"client": "server", "server": "client"}[closer]   # the side that closes second""",
        questions=(
            Q("peer_state_after_fin", "`closer` sends the first FIN; `passive` is the other side.",
              "peer_state_after_fin = 'CLOSE-WAIT'   # it may still send: a half-close",
              forms=("'close_wait'", "State.CLOSE_WAIT", "'Close Wait'"),
              wrong=(("'TIME-WAIT'", "side that closed first"),
                     ("'FIN-WAIT-2'", "closed first"),
                     ("'LAST-ACK'", "its own FIN"),
                     ("'WAITING'", "not a TCP state"))),
            Q("time_wait_side", "TIME-WAIT: who waits?",
              "time_wait_side = closer   # the side that sent the first FIN",
              wrong=(("passive", "side that closed first"),)),
            Q("time_wait_seconds", "How long?",
              "time_wait_seconds = 2 * msl",
              forms=("f'{2 * msl} s'", "f'{2000 * msl:g} ms'"),
              wrong=(("msl", "one MSL"), ("240", "this simulation uses its own MSL"))),
            Q("passive_path", "The states of the side that closes second, as a list.",
              "passive_path = ['ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']",
              forms=("'ESTABLISHED -> CLOSE-WAIT -> LAST-ACK -> CLOSED'",),
              wrong=(("['ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'TIME-WAIT', 'CLOSED']",
                      "does not wait in TIME-WAIT"),
                     ("['ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK']", "keep going"))),
            Q("leak_server_state", "Second run: the server never calls close().",
              "leak_server_state = 'CLOSE-WAIT'",
              wrong=(("'TIME-WAIT'", "never called close()"), ("'CLOSED'", "never closed"))),
            Q("leak_client_state", "And the client of that run?",
              "leak_client_state = lab.facts['leak'].final_state('client')",
              wrong=(("'TIME-WAIT'", "never came"), ("'CLOSE-WAIT'", "server's state"))),
        ),
        outro="The clean close, then the leaking server:",
        testing_setup="from tcpedu.model.states import State",
        extra_cells=('lab.table("leak")',)),
    LabNotebook(
        "05-capture", "05-capture", "Lab 5 — A real capture: what went wrong?",
        intro="""\
This capture is real: two Linux network namespaces joined by a veth pair, a bulk transfer to port
7000, and 10 % of the packets dropped on the receiver's input. tcpedu reads it into the same
`Trace` the simulator makes, with Wireshark's relative numbers and expert tags on each segment
(`s.tags`: `retransmission`, `dup-ack`, `out-of-order`...). You could open the same file in
Wireshark and get the same answers. Your variant picks which retransmission and which duplicate
ACK you must find.""",
        prerequisites="Notebook 09 (real captures).",
        explore="""\
trace = lab.trace                     # the capture's first TCP stream
print(trace)
for s in trace.segments()[:4]:        # frame number, sender, flags and relative numbers, tags
    print(s.frame, s.src, s.segment.label(), s.tags)""",
        questions=(
            Q("data_sender", "Who moves the data?",
              "data_sender = max(['client', 'server'], "
              "key=lambda n: sum(len(s.segment.payload) for s in trace.segments(n)))",
              forms=("right.title()",),
              wrong=(("'server' if right == 'client' else 'client'", "count the payload"),)),
            Q("retransmissions", "Count the segments tagged `retransmission`.",
              "retransmissions = sum('retransmission' in s.tags for s in trace.segments())",
              wrong=(("right + sum('fast-retransmission' in s.tags for s in trace.segments())",
                      "do not count it twice"),
                     ("sum('out-of-order' in s.tags for s in trace.segments())",
                      "different tag"))),
            Q("retransmission_seq", "Find retransmission number "
              "`lab.facts['retransmission_number']` (counting from 1).",
              """\
k = lab.facts["retransmission_number"]
resent = [s for s in trace.segments() if "retransmission" in s.tags][k - 1]
retransmission_seq = resent.segment.seq   # relative, as Wireshark shows it""",
              forms=("right + trace.meta['base_seq']['client']  # absolute",),
              wrong=(("resent.frame", "frame number"),
                     ("right + len(resent.segment.payload)", "where the segment ends"))),
            Q("dup_ack_frame", "Find duplicate ACK number `lab.facts['dup_ack_number']`.",
              """\
n = lab.facts["dup_ack_number"]
dup_ack_frame = [s for s in trace.segments() if "dup-ack" in s.tags][n - 1].frame""",
              wrong=(("n", "give the frame number"),)),
            Q("diagnosis", "Explain what went wrong, in one word.",
              "diagnosis = 'loss'   # retransmissions and duplicate ACKs: segments were lost",
              forms=("'packet loss'", "'LOSS'"),
              wrong=(("'reordering'", "filling holes"), ("'nothing'", "expert tags"),
                     ("'congestion'", "not one of"))),
            Q("client_final_state", "Where does the capture leave the client?",
              "client_final_state = trace.final_state('client')",
              wrong=(("'CLOSED'", "2 × MSL"), ("'CLOSE-WAIT'", "received the first FIN"))),
        ),
        outro="The first segments of the capture as a table (the whole one is long):",
        minutes=45),
    LabNotebook(
        "06-hijack", "06-hijack", "Lab 6 — Session hijacking and its defences",
        intro="""\
Note 1 warns that whoever computes the right SEQ and ACK numbers can talk to the server in the
client's place. Here an on-path attacker watches a logged-in session and injects a request
spoofed as the client; then two attackers try to kill a connection with a forged RST, against a
server with RFC 5961's defences and one without; finally an off-path attacker has to guess.
Everything runs in the simulator: no real network is touched.""",
        prerequisites="Notebook 08 (session hijacking).",
        explore="""\
trace = lab.trace
attack_time = next(s.time for s in trace.segments() if s.src == "attacker")
lab.table(until=attack_time)   # what the on-path attacker saw before striking""",
        questions=(
            Q("forged_seq", "The attacker saw everything above.",
              """\
last = [s for s in trace.segments("client") if s.segment.payload and s.time < attack_time][-1]
forged_seq = (last.segment.seq + len(last.segment.payload)) % 2**32""",
              forms=("hex(right)", "right - lab.facts['client_isn']  # relative"),
              wrong=(("last.segment.seq", "where the client's last data started"),
                     ("[s for s in trace.segments('client') if s.time < attack_time][-1]"
                      ".segment.ack", "belongs in the ACK field"))),
            Q("forged_ack", "And the other number.",
              "forged_ack = [s for s in trace.segments('client') "
              "if s.time < attack_time][-1].segment.ack",
              forms=("str(right)",),
              wrong=(("(lab.facts['server_isn'] + 1) % 2**32", "everything it sent"),
                     ("forged_seq", "client's own numbering"))),
            Q("forged_delivered", "The forged segment arrives.",
              '''\
forged = next(s for s in trace.segments() if s.src == "attacker")
forged_delivered = "yes" if forged.segment.payload in trace.app_data("server") else "no"''',
              forms=("right.upper()",),
              wrong=(("'no' if right == 'yes' else 'yes'", "tcp cannot tell"),
                     ("'maybe'", "not one of"))),
            Q("logout_delivered", "Later the real client, unaware, sends `GET /logout`.",
              'logout_delivered = "yes" if b"/logout" in trace.app_data("server") else "no"',
              forms=("right.title()",),
              wrong=(("'no' if right == 'yes' else 'yes'", "desynchronisation"),)),
            Q("challenge_reply", "A forged RST lands inside the window but not exactly at "
              "RCV.NXT (`lab.table('rst_5961')`).",
              "challenge_reply = 'challenge ack'   # RFC 5961 §3",
              forms=("'Challenge ACK'",),
              wrong=(("'nothing'", "does answer"), ("'rst'", "does not reset"))),
            Q("state_without_5961", "The same RST against a server without RFC 5961 "
              "(`lab.table('rst_793')`).",
              "state_without_5961 = lab.facts['rst_793'].final_state('server')",
              forms=("right.value.lower()",),
              wrong=(("'ESTABLISHED'", "blind rst attacks worked"),
                     ("'TIME-WAIT'", "skips TIME-WAIT"))),
            Q("blind_accepted", "An off-path attacker sees nothing and guesses the SEQ "
              "(`lab.table('blind')`).",
              'blind_accepted = "yes" if b"mallory" in lab.facts["blind"].app_data("server") '
              'else "no"',
              wrong=(("'no' if right == 'yes' else 'yes'", "guess"),)),
        ),
        outro="The whole on-path attack, then the RST with and without RFC 5961:",
        extra_cells=('lab.table("rst_5961")', 'lab.table("rst_793")'),
        minutes=45),
)


# -- notebook writing -----------------------------------------------------------------------------

def _cell(kind: str, source: str) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": source.strip("\n")}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _notebook(cells: list[dict], lab: LabNotebook, version: str) -> dict:
    for index, cell in enumerate(cells):
        cell["id"] = f"{version}-{index:02d}"
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "tcpedu": {"lab": lab.lab_id, "version": version}}}


def _header(lab: LabNotebook, version: str) -> list[dict]:
    banner = {"student": "",
              "solution": "\n\n> **Instructor copy: the solution.** Do not release this file.",
              "testing": "\n\n> **Instructor copy: the testing notebook.** It proves that every "
                         "check accepts the right answers and rejects the wrong ones."}[version]
    return [_cell("markdown", f"# {lab.title}{banner}\n\n{lab.intro}\n\n"
                              f"**Prerequisites:** {lab.prerequisites or 'none'} · "
                              f"**Time:** about {lab.minutes} minutes\n\n{HOW}")]


def _setup(lab: LabNotebook, version: str, graded: bool = False) -> dict:
    student = {"student": '""   # your student id, as your instructor asked (empty: practice)',
               "solution": '""', "testing": '"testing-notebook"'}[version]
    extra = f"\n{lab.testing_setup}" if version == "testing" and lab.testing_setup else ""
    return _cell("code", f"""\
from tcpedu.teach.exercises import start, ____{extra}
STUDENT = {student}
lab = start("{lab.lab_id}", student=STUDENT, namespace=globals(){", graded=True" if graded else ""})
lab.given()""")


def _question_cells(number: int, q: Q, prompt: str, version: str) -> list[dict]:
    cells = [_cell("markdown", f"### Question {number}\n\n{q.text} **{prompt}** "
                               f"Answer in `{q.var}`.")]
    if version == "student":
        cells.append(_cell("code", f"{q.var} = ____\nq{number}.check()"))
        cells.append(_cell("code", f"# q{number}.hint()\n# q{number}.solution()"))
    elif version == "solution":
        cells.append(_cell("code", f"{q.solution}\nq{number}.check()"))
    else:
        lines = [f"q{number}.assert_check_unanswered()   # an unanswered question never raises",
                 f"q{number}.check()", q.solution, f"right = {q.var}",
                 f"q{number}.assert_check_passed()"]
        lines += [f"q{number}.assert_check_passed({form.split('  #')[0]})" for form in q.forms]
        lines += [f"q{number}.assert_check_failed({value}, says={says!r})"
                  for value, says in q.wrong]
        lines += [f"{q.var} = right", f"q{number}.check()"]
        cells.append(_cell("code", "\n".join(lines)))
    return cells


def build(lab: LabNotebook, version: str, graded: bool = False) -> dict:
    """One version (student, solution, testing) of a lab as a notebook dict; ``graded`` turns
    ``qN.solution()`` off in the student version."""
    from tcpedu.teach.exercises import lab_spec

    spec = lab_spec(lab.lab_id)
    if [q.var for q in lab.questions] != [q.variable for q in spec.questions]:
        raise SystemExit(f"{lab.folder}: notebook questions differ from the lab's spec")
    cells = _header(lab, version) + [_setup(lab, version, graded), _cell("code", lab.explore)]
    for number, (q, asked) in enumerate(zip(lab.questions, spec.questions, strict=True), 1):
        cells += _question_cells(number, q, asked.prompt, version)
    cells.append(_cell("markdown", f"## Check your reasoning\n\n{lab.outro}"))
    cells.append(_cell("code", "lab.table()"))
    cells += [_cell("code", extra) for extra in lab.extra_cells]
    cells.append(_cell("markdown", "## Summary\n\nYour score so far (the grader reruns your "
                                   "notebook from the top, so make sure it runs cleanly):"))
    cells.append(_cell("code", "lab.progress()"))
    return _notebook(cells, lab, version)


def outputs() -> dict[Path, str]:
    """Every lab notebook path and its text."""
    files = {}
    for lab in LABS:
        folder = HERE / lab.folder
        for version, path in (("student", folder / "lab.ipynb"),
                              ("solution", folder / "instructor" / "solution.ipynb"),
                              ("testing", folder / "instructor" / "testing.ipynb")):
            files[path] = json.dumps(build(lab, version), indent=1, ensure_ascii=False) + "\n"
    return files


def release(dest: Path, graded: bool) -> list[Path]:
    """Write the student version of every lab to ``dest/NN-name.ipynb`` (what students get)."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for lab in LABS:
        path = dest / f"{lab.folder}.ipynb"
        path.write_text(json.dumps(build(lab, "student", graded), indent=1, ensure_ascii=False)
                        + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if "--release" in argv:
        dest = Path(argv[argv.index("--release") + 1])
        for path in release(dest, graded="--graded" in argv):
            print(path)
        return 0
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if "--check" in argv and stale:
        print("stale lab notebooks (run course/labs/build_labs.py):",
              *[str(p.relative_to(HERE)) for p in stale], sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
