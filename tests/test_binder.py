"""binder/requirements.txt (the Binder launch buttons' environment) pins the same versions as
requirements.txt, and installs jupyterlab-myst so that chapters render there as they do locally."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[name.strip().lower()] = version.strip()
    return found


def test_binder_pins_agree_with_requirements() -> None:
    binder, main = pins(ROOT / "binder" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert "jupyterlab-myst" in binder
    differ = {name: (version, main.get(name)) for name, version in binder.items()
              if main.get(name) != version}
    assert differ == {}, f"binder/requirements.txt differs from requirements.txt: {differ}"
