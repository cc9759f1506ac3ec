import json, os, platform, time, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_T0 = time.perf_counter()


def pytest_sessionfinish(session, exitstatus):
    "Record the wall time of the whole pytest stage (on the xdist controller only)."
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    out = ROOT / "_build" / "timings" / "_pytest_session.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    workers = getattr(session.config.option, "numprocesses", None) or 1
    out.write_text(json.dumps(dict(wall_s=round(time.perf_counter() - _T0, 1), workers=workers, exitstatus=int(exitstatus),
                                   cpus=os.cpu_count(), host=platform.node(),
                                   date=datetime.datetime.now().isoformat(timespec="seconds"))))
