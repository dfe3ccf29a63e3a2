"""``import tcpedu`` stays light: no scapy, matplotlib or ipywidgets until a name needs them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("scapy", "matplotlib", "ipywidgets", "numpy")


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         timeout=120)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_tcpedu_loads_no_heavy_package() -> None:
    loaded = loaded_after("import tcpedu")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "tcpedu" in loaded


def test_simulating_and_exporting_loads_no_heavy_package() -> None:
    code = ("import tcpedu, tempfile, os\n"
            "from tcpedu.sim.scenarios import run\n"
            "t = run('teardown', order='lost-final-ack', msl=1.0)\n"
            "tcpedu.trace_to_pcap(t, os.path.join(tempfile.mkdtemp(), 'x.pcap'))\n"
            "tcpedu.trace_to_jsonl(t)\n"
            "str(t.segments()[0].segment.explain())\n")
    loaded = loaded_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "tcpedu" in loaded


def test_a_lazy_name_still_resolves() -> None:
    loaded = loaded_after("import tcpedu\nassert tcpedu.Segment(1, 2).seg_len == 0")
    assert "tcpedu" in loaded and "scapy" not in loaded
