"""The Scenario lab: pick a scenario, turn its knobs (lost segment, reordering, ISN, payload size,
MSS, delayed ACK, close order, Go-Back-N vs TCP receiver...) and it re-simulates and shows the new
run at once in a :class:`~.player.TracePlayer` (drawn in the browser). The controls are generated
from the scenario's own parameter list, so a new scenario parameter shows up here without
touching this file.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
from traitlets import TraitError

from ...errors import ParameterError, TcpeduError
from ...reading.timeline import Timeline
from ...trace import Trace
from ..plot.palette import Theme, theme
from .player import TracePlayer, widget_bundle

#: Int parameters with at most this many values get a slider; others a bounded number box.
SLIDER_SPAN = 60


def control_for(param: Any) -> W.Widget:
    """An ipywidget for one scenario :class:`~tcpedu.sim.scenarios.Param`."""
    label = {"description": param.name, "tooltip": param.help,
             "style": {"description_width": "initial"}}
    lo, hi = param.minimum, param.maximum
    if param.choices:
        return W.Dropdown(options=list(param.choices), value=param.default, **label)
    if param.kind is bool:
        return W.Checkbox(value=bool(param.default), indent=False, **label)
    if param.kind is int and param.default is not None:
        if lo is not None and hi is not None and hi - lo <= SLIDER_SPAN:
            return W.IntSlider(value=param.default, min=int(lo), max=int(hi),
                               continuous_update=False, **label)
        return W.BoundedIntText(value=param.default, min=int(lo if lo is not None else 0),
                                max=int(hi if hi is not None else 2**32 - 1), **label)
    if param.kind is float and param.default is not None:
        return W.BoundedFloatText(value=param.default, min=lo if lo is not None else 0.0,
                                  max=hi if hi is not None else 1e9, step=0.01, **label)
    # Optional numbers (e.g. an ISN: empty means random) and free text.
    return W.Text(value="" if param.default is None else str(param.default),
                  placeholder="random" if param.default is None else "", **label)


class ScenarioLab:
    """Controls that re-simulate a scenario and show the new run in a player at every change.
    ``rows`` caps the player's visible ladder rows (default: as many as fit)."""

    def __init__(self, scenario: str = "loss_fast_retransmit", *, rows: int | None = None,
                 look: str | Theme = "notebook", **params: Any) -> None:
        from ...sim import scenarios

        self._scenarios = scenarios
        scenarios.get(scenario)  # ParameterError naming the choices if unknown
        self.theme = theme(look)
        self.rows = rows
        self.trace: Trace | None = None
        self.chooser = W.Dropdown(options=list(scenarios.SCENARIOS), value=scenario,
                                  description="scenario")
        self.description = W.HTML()
        self.controls_box = W.VBox()
        self.summary = W.HTML()
        self.summary.add_class("tcpedu-lab-summary")
        self.error = W.HTML()
        self.controls: dict[str, W.Widget] = {}
        self.player: TracePlayer | None = None
        self.player_box = W.Box()
        self.chooser.observe(lambda _c: self._build_controls(), names="value")
        self._build_controls(params)
        self.widget = W.VBox([self.chooser, self.description, self.controls_box, self.error,
                              self.summary, self.player_box])
        self.widget.add_class("tcpedu-lab")

    def _build_controls(self, values: dict[str, Any] | None = None) -> None:
        sc = self._scenarios.get(self.chooser.value)
        unknown = sorted(set(values or ()) - {p.name for p in sc.params})
        if unknown:
            raise ParameterError(f"scenario {sc.name!r} has no parameter {unknown[0]!r} (it takes "
                                 f"{', '.join(p.name for p in sc.params)})")
        self.description.value = f"<i>{html.escape(sc.description)}</i>"
        self.controls = {}
        for p in sc.params:
            control = control_for(p)
            if values and p.name in values:
                value = values[p.name]
                try:
                    control.value = str(value) if isinstance(control, W.Text) else value
                except TraitError:
                    raise ParameterError(f"{p.name}={value!r}: expected {p.kind.__name__}") from None
            control.observe(lambda _c: self.rerun(), names="value")
            self.controls[p.name] = control
        self.controls_box.children = tuple(self.controls.values())
        self.rerun()

    def params(self) -> dict[str, Any]:
        """The control values as scenario parameters (empty text means the default)."""
        out = {}
        for name, control in self.controls.items():
            value = control.value
            if isinstance(control, W.Text):
                value = value.strip() or None
            out[name] = value
        return out

    def rerun(self) -> Trace | None:
        """Simulate with the current controls and show the run; a bad value is shown, not raised."""
        try:
            trace = self._scenarios.run(self.chooser.value, **self.params())
        except TcpeduError as exc:
            self.error.value = f"<b style='color:#D55E00'>⚠ {html.escape(str(exc))}</b>"
            return None
        self.error.value = ""
        self.trace = trace
        self.timeline = Timeline(trace)
        self.summary.value = summary_html(self.timeline)
        if self.player is None:
            self.player = TracePlayer(trace, look=self.theme, rows=self.rows)
            self.player_box.children = (self.player.widget,)
        else:
            self.player.load(trace)
        return trace

    def set(self, **values: Any) -> Trace | None:
        """Change controls from code (as a learner would) and return the new trace."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ParameterError(f"scenario {self.chooser.value!r} has no control {unknown[0]!r}"
                                 f" (it has {', '.join(self.controls)})")
        for name, value in values.items():
            self.controls[name].value = value
        return self.trace

    def _repr_mimebundle_(self, include: Any = None,
                          exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        svg = self.player.static_svg() if self.player is not None else ""
        return widget_bundle(self.widget, repr(self), svg)

    def __repr__(self) -> str:
        return f"<ScenarioLab {self.chooser.value} {self.params()}>"


def summary_html(tl: Timeline) -> str:
    """One line: segments, losses, retransmissions, duplicate ACKs, final states."""
    lost = sum(1 for f in tl.fate.values() if f == "dropped")
    retx = sum(1 for m in tl.marks.values() if "retransmission" in m)
    dups = sum(1 for m in tl.marks.values() if "dup-ack" in m)
    final = tl.states_at(len(tl) - 1)
    states = ", ".join(f"{n} {s}" for n, s in final.items())
    return (f"<b>{len(tl.sent)}</b> segments · <b>{lost}</b> lost · <b>{retx}</b> "
            f"retransmitted · <b>{dups}</b> duplicate ACKs · final states: {states} · "
            f"{1000 * tl.trace.duration:.0f} ms")
