"""Check that a change leaves the parser's and the email's output byte for byte as it was.

Usage:
  python benchmarks/same_output.py record DIR [--stress N]   # before the change
  python benchmarks/same_output.py check DIR                 # after it: exit 1 on any difference

`record` writes to DIR the inputs it will compare on — the sample inbox, the
reference pages of ../shared (seeds, eval/pages) when present, and N synthetic
pages of each layout of `parse_stress.py` (default 100) — then the
`digest parse --json` output of each, and the digest `digest run` writes for the
sample inbox (its .eml, .html and .txt with dates, Message-ID and MIME
boundaries normalised). `check` parses the same saved inputs with the code as it
is now and compares. The inputs are saved as text, so a later change to the
stress generator does not change what is compared.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# What changes from one run to the next in a written digest: the clock and random ids.
_VOLATILE = (
    (re.compile(r"digest-\d{8}-\d{4}-"), "digest-DATE-"),                      # file names carry the time
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "YYYY年M月D日"),                   # the date label
    (re.compile(r"^Date: .*$", re.M), "Date: DATE"),
    (re.compile(r"^Message-ID: .*$", re.M | re.I), "Message-ID: ID"),
    (re.compile(r"={15}\d+=="), "=BOUNDARY=="),                                # email package boundaries
    (re.compile(r'boundary="[^"]+"'), 'boundary="BOUNDARY"'),
)


def inputs(stress: int, into: Path) -> None:
    """Copy the reference inputs into `into/<set>/` and build the stress pages."""
    sets = {"samples": sorted((ROOT / "examples" / "inbox").glob("*.txt"))}
    if SHARED.is_dir():
        sets["seeds"] = sorted((SHARED / "seeds").glob("*.txt"))
        sets["pages"] = sorted((SHARED / "eval" / "pages").glob("*.txt"))
    for name, files in sets.items():
        (into / name).mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copy(path, into / name / path.name)
    if stress and SHARED.is_dir():
        dump = into / "stress"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "parse_stress.py"), "--pages", str(stress),
                        "--dump", str(dump)], check=True, stdout=subprocess.DEVNULL)
        for truth in dump.glob("*.json"):
            truth.unlink()


def parse_outputs(inputs_dir: Path) -> dict[str, str]:
    """`digest parse --json` of every saved input, by `set/name`."""
    from digest.config import load_settings
    from digest.models import parsed_issue_to_json
    from digest.pipeline import parse_file

    settings = load_settings(ROOT / "config.toml")
    outputs = {}
    for path in sorted(inputs_dir.glob("*/*.txt")):
        parsed = parse_file(path, settings)
        outputs[f"{path.parent.name}/{path.stem}"] = json.dumps(
            parsed_issue_to_json(parsed), ensure_ascii=False, indent=2) + "\n"
    return outputs


def digest_outputs(samples: Path) -> dict[str, str]:
    """The digest `digest run` writes for the samples, volatile parts normalised, by file kind."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(samples, root / "inbox")
        config = (ROOT / "config.toml").read_text(encoding="utf-8")
        config = config.replace('folder = "examples/inbox"', 'folder = "inbox"')
        config = config.replace('templates = "templates"', f'templates = "{ROOT / "templates"}"')
        (root / "config.toml").write_text(config, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "digest", "run"], cwd=root, check=True, stdout=subprocess.DEVNULL)
        outputs = {}
        for path in sorted((root / "outbox").iterdir()):
            text = path.read_text(encoding="utf-8")
            for pattern, replacement in _VOLATILE:
                text = pattern.sub(replacement, text)
            outputs[f"digest{path.suffix}"] = text
        return outputs


def record(directory: Path, stress: int) -> int:
    inputs(stress, directory / "inputs")
    for key, text in {**parse_outputs(directory / "inputs"),
                      **digest_outputs(directory / "inputs" / "samples")}.items():
        target = directory / "outputs" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"recorded {sum(1 for _ in (directory / 'outputs').rglob('*') if _.is_file())} outputs in {directory}")
    return 0


def check(directory: Path) -> int:
    now = {**parse_outputs(directory / "inputs"), **digest_outputs(directory / "inputs" / "samples")}
    before = {str(p.relative_to(directory / "outputs")): p.read_text(encoding="utf-8")
              for p in (directory / "outputs").rglob("*") if p.is_file()}
    differ = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    for key in differ[:5]:
        diff = difflib.unified_diff((before.get(key) or "").splitlines(), (now.get(key) or "").splitlines(),
                                    f"before/{key}", f"now/{key}", lineterm="", n=1)
        print("\n".join(list(diff)[:40]))
    same = len(before) - len(differ)
    print(f"{same} of {len(before)} outputs identical" + (f"; {len(differ)} differ" if differ else ""))
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("directory", type=Path)
    parser.add_argument("--stress", type=int, default=100, help="stress pages of each layout (record only)")
    args = parser.parse_args(argv)
    if args.action == "record":
        return record(args.directory, args.stress)
    return check(args.directory)


if __name__ == "__main__":
    sys.exit(main())
