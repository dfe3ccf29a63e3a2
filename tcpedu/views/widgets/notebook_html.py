"""A notebook as one HTML page that needs no network: its players step offline.

``jupyter nbconvert --to html`` loads require.js, the widget manager and anywidget from CDNs
(and MathJax, mermaid): offline, a player shows nothing that steps. This exporter (registered as
the nbconvert exporter ``tcpedu-html``; ``tcpedu export`` calls it) writes the page instead:

- every player (a ``TracePlayer`` output, or a player inside a ``ScenarioLab``) becomes its saved
  widget state (the steps' JSON, the step shown, the look, a what-if run) drawn by the player's own
  ES module, inlined once per page, exactly as in the notebook; with JavaScript off the output's
  static SVG of the whole ladder shows instead;
- any other widget (builder, quiz, lab controls) keeps its static fallback (HTML, SVG, text):
  it needs a kernel to answer anyway;
- the widget state, the widget manager, require.js, MathJax and mermaid are left out, so the page
  makes no request at all (the course's notebooks have no TeX to typeset).

Players need their widget state in the notebook: a notebook run by ``tcpedu export`` (or
``nbconvert --execute``, or nbclient) has it; one saved from JupyterLab has it with the course's
settings (``binder/overrides.json``: ``saveState``). Without it, the static SVG is shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

from .export import STATIC, mount_script, player_html, script_text

#: The output mime types of a widget view and of a notebook's saved widget state.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: ``_anywidget_id`` of the player's model (anywidget records the Python class).
PLAYER_MODEL = "tcpedu.views.widgets.player.PlayerWidget"
_REFERENCE = re.compile(r"IPY_MODEL_([0-9a-f]+)")
#: Extends JupyterLab's nbconvert template, leaving out every script it would fetch.
TEMPLATE = STATIC / "tcpedu-offline.html.j2"


def _players_under(model_id: str, state: dict[str, Any]) -> list[dict[str, Any]]:
    """The player models in the widget tree rooted at ``model_id``, in display order."""
    found, seen, todo = [], set(), [model_id]
    while todo:
        mid = todo.pop(0)
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        model = state[mid].get("state", {})
        if model.get("_anywidget_id") == PLAYER_MODEL and isinstance(model.get("data"), str):
            found.append(model)
        for child in model.get("children", []) or []:
            match = _REFERENCE.fullmatch(str(child))
            if match:
                todo.append(match.group(1))
    return found


_NO_KERNEL = ('<p class="tcpedu-needs-kernel"><i>An interactive widget: run the notebook to use '
              "it.</i></p>")
_LAB_NOTE = ('<p class="tcpedu-needs-kernel"><i>The controls need a running kernel; the run '
             "below is the one saved with the notebook.</i></p>")


class OfflinePlayers(Preprocessor):
    """Replace widget outputs by offline players (or their static fallback); drop widget state."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        widgets = nb.metadata.get("widgets", {}) or {}
        state = (widgets.get(WIDGET_STATE) or {}).get("state", {}) or {}
        players = 0
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data")
                if not data or WIDGET_VIEW not in data:
                    continue
                view = data.pop(WIDGET_VIEW)
                models = _players_under(str(view.get("model_id", "")), state)
                if models:
                    svg = data.pop("image/svg+xml", "")
                    note = _LAB_NOTE if state.get(view["model_id"], {}).get("state", {}).get(
                        "_anywidget_id") != PLAYER_MODEL else ""
                    data["text/html"] = note + "".join(player_html(m, svg) for m in models)
                    players += len(models)
                elif not set(data) - {"text/plain"}:
                    data["text/html"] = _NO_KERNEL
        nb.metadata.pop("widgets", None)
        resources["tcpedu_players"] = players
        return nb, resources


class OfflineHTMLExporter(HTMLExporter):
    """``jupyter nbconvert --to tcpedu-html``: JupyterLab's HTML look, no network requests."""

    export_from_notebook = "HTML, offline (tcpedu players)"

    @default("template_name")
    def _tcpedu_template_name(self) -> str:
        return "lab"

    @default("template_file")
    def _tcpedu_template_file(self) -> str:
        return TEMPLATE.name

    @default("extra_template_paths")
    def _tcpedu_template_paths(self) -> list[str]:
        return [str(TEMPLATE.parent)]

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        self.register_preprocessor(OfflinePlayers, enabled=True)  # after --execute's run

    def _init_resources(self, resources: Any) -> Any:
        resources = super()._init_resources(resources)
        resources["tcpedu"] = {
            "css": (STATIC / "player.css").read_text(encoding="utf-8"),
            "esm": script_text((STATIC / "player.js").read_text(encoding="utf-8")),
            "mount": mount_script(focus_first=False),
        }
        return resources


def export_notebook_html(notebook: str | Path, out: str | Path | None = None, *,
                         execute: bool = True, timeout: int = 300) -> Path:
    """Write ``notebook`` as an offline page (``out``, default: beside it with ``.html``), run
    first in a fresh kernel unless ``execute=False`` (then its saved outputs are used)."""
    import nbformat

    from ...errors import ParameterError

    src = Path(notebook)
    if src.suffix != ".ipynb" or not src.is_file():
        raise ParameterError(f"{src}: not a notebook file (.ipynb)")
    target = Path(out) if out is not None else src.with_suffix(".html")
    if target.suffix.lower() != ".html":
        raise ParameterError(f"{target}: the file name should end in .html")
    if not target.parent.is_dir():
        raise ParameterError(f"{target.parent} does not exist")
    try:
        nb = nbformat.read(src, as_version=4)
    except Exception as exc:  # nbformat raises several types for a broken file
        raise ParameterError(f"{src}: not a readable notebook ({exc})") from None
    if execute:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(src.resolve().parent)}}).execute()
        except CellExecutionError as exc:
            raise ParameterError(f"{src}: a cell failed while running it: "
                                 f"{str(exc).strip().splitlines()[-1]}") from None
    body, _ = OfflineHTMLExporter().from_notebook_node(
        nb, resources={"metadata": {"name": src.stem, "path": str(src.resolve().parent)}})
    target.write_text(body, encoding="utf-8")
    return target


__all__ = ["OfflineHTMLExporter", "OfflinePlayers", "export_notebook_html", "player_html"]
