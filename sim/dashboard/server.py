"""The server's settings (address, limits, telemetry off, freeing idle sessions) and starting Solara."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

CONFIG_VARIABLE = "NGOSIM_DASHBOARD_CONFIG"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class DashboardConfig:
    """Everything the command line sets for the page (handed to the Solara process in one variable)."""

    host: str = "127.0.0.1"
    port: int = 8765
    scenarios: list[str] = field(default_factory=list)  # extra scenario files, absolute paths
    preset_dir: str = ""
    max_sessions: int = 40
    cull_minutes: float = 10.0
    max_scale: float = 1.0
    default_scale: float = 1.0
    live_budget: float = 2.0
    warm: bool = True

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> DashboardConfig:
        """The settings the command left in the environment (defaults when the app runs on its own)."""
        text = os.environ.get(CONFIG_VARIABLE)
        return cls(**json.loads(text)) if text else cls()


def default_preset_dir() -> Path:
    """The presets: `scenarios/` beside the package in a checkout, else `scenarios/` in the current folder."""
    beside = Path(__file__).resolve().parents[2] / "scenarios"
    return beside if beside.is_dir() else Path.cwd() / "scenarios"


def share_address(host: str, port: int) -> str | None:
    """The address students should open, or None when the server listens on this computer only."""
    if host in LOOPBACK:
        return None
    if host not in ("0.0.0.0", "", "::"):
        return f"http://{host}:{port}/"
    return f"http://{local_network_ip()}:{port}/"


def local_network_ip() -> str:
    """This computer's address on its local network (no packet is sent)."""
    for probe in ("192.0.2.1", "10.255.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 1))
                address = s.getsockname()[0]
            if not address.startswith("127."):
                return address
        except OSError:
            continue
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        address = "127.0.0.1"
    return address


def solara_environment(config: DashboardConfig, cache_dir: Path) -> dict[str, str]:
    """Solara's own settings: telemetry off, idle sessions freed, browser assets from this server only."""
    return {
        CONFIG_VARIABLE: config.to_env(),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_TELEMETRY_SENTRY_ENABLE": "False",
        "SOLARA_KERNEL_CULL_TIMEOUT": f"{int(config.cull_minutes * 60)}s",
        "SOLARA_ASSETS_PROXY": "True",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache_dir),
    }


def launch(config: DashboardConfig, cache_dir: Path) -> int:
    """Run the Solara server in this process (production mode) until it is stopped."""
    os.environ.update(solara_environment(config, cache_dir))
    from solara.__main__ import run as solara_run

    solara_run.main(
        args=[
            "sim.dashboard.app",
            "--host",
            config.host,
            "--port",
            str(config.port),
            "--production",
            "--no-open",
            "--no-check-version",
        ],
        standalone_mode=False,
    )
    return 0
