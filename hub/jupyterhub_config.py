# JupyterHub configuration of the local classroom (`make hub`; hub/classroom.py writes the
# TCPEDU_HUB_* variables and starts `jupyterhub -f hub/jupyterhub_config.py`).
#
# A demo on one machine, with JupyterHub's own simple parts: the dummy authenticator (every
# student account shares one password), the simple local-process spawner (every student's server
# runs as this user, with a home folder under the state folder), configurable-http-proxy from npm
# in front. For a real class use Zero to JupyterHub or The Littlest JupyterHub: see
# course/instructor-guide.md, "Classroom on JupyterHub".
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (JupyterHub's config loader provides it)

env = os.environ
HERE = Path(__file__).resolve().parent
STATE = Path(env["TCPEDU_HUB_STATE"])
STUDENTS = [s for s in env.get("TCPEDU_HUB_STUDENTS", "").split(",") if s]
BIN = Path(sys.executable).parent  # the project's .venv: JupyterHub, JupyterLab, tcpedu

c.JupyterHub.bind_url = f"http://127.0.0.1:{env.get('TCPEDU_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["TCPEDU_HUB_INTERNAL_PORT"])
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.log_level = env.get("TCPEDU_HUB_LOG_LEVEL", "WARN")

c.JupyterHub.proxy_class = "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['TCPEDU_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.auth_token = env["TCPEDU_HUB_PROXY_TOKEN"]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = env["TCPEDU_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(STUDENTS)
c.Authenticator.admin_users = {"instructor"}

# The instructor's scripts (tests, benchmarks) act through a service token.
c.JupyterHub.services = [{"name": "classroom", "api_token": env["TCPEDU_HUB_API_TOKEN"]}]
c.JupyterHub.load_roles = [{
    "name": "classroom",
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers",
               "read:users"],
    "services": ["classroom"],
}]

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

# Kernels on Unix sockets, not TCP ports (hub/singleuser/jupyter_server_config.json: the ipc
# transport): jupyter_client picks a kernel's five ports by binding port 0 and closing it, and with
# many students' servers on one machine another process takes one before the kernel binds it now
# and then, which kills the kernel before it answers (jupyter/jupyter_client#487). jupyter_server
# puts the sockets beside its kernels' connection files, in its runtime folder: here one per
# server, private (0700), and short enough for a socket's path (at most 107 bytes on Linux, 103
# on macOS: this folder + "/kernel-<36-character id>-ipc-<n>").
RUNTIME = STATE / "run"
if len(os.fsencode(RUNTIME)) > 40:
    raise ValueError(f"{RUNTIME} is too long a path for the student servers' kernel sockets")


def runtime_dir(spawner) -> str:
    """The student server's own runtime folder (JUPYTER_RUNTIME_DIR), made if need be."""
    folder = RUNTIME / str(spawner.user.id)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(folder)


# Students neither rebuild JupyterLab nor install extensions into the course's shared environment:
# no build check on each page load (hub/singleuser/labconfig/page_config.json), extensions listed
# read-only (each check ran node on the server, for every student).
c.Spawner.environment = {"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "MPLBACKEND": "Agg",
                         "JUPYTERHUB_SINGLEUSER_APP": "jupyter_server.serverapp.ServerApp",
                         "JUPYTER_CONFIG_PATH": str(HERE / "singleuser"),
                         "JUPYTER_RUNTIME_DIR": runtime_dir}
args = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly"]
if os.geteuid() == 0:
    args.append("--allow-root")  # every student's server runs as this (root) user in the demo
if env.get("TCPEDU_HUB_EXPOSE_APP") == "1":  # the browser test drives JupyterLab through it
    args.append("--LabApp.expose_app_in_browser=True")
c.Spawner.args = args
