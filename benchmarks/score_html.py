"""Score web pages, newsletters, mails and PDFs against their references, as `digest parse --json` reads them.

Usage: python benchmarks/score_html.py DIR [DIR ...] [--out PRED] [--show]

Every NAME.html / NAME.eml / NAME.mbox / NAME.pdf (or NAME.txt) with a NAME.json beside
it in each DIR (such as ../shared/eval/html, ../shared/eval/html/mail, ../shared/eval/pdf or a folder
written by make_html.py) is parsed in this one process by the function behind
`digest parse --json` (`pipeline.parse_file`, so the JSON is the CLI's, byte for
byte) and scored with ../shared/tools/score_parse.py; one summary line per DIR.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from digest.config import load_settings
from digest.errors import DigestError
from digest.models import parsed_issue_to_json
from digest.pipeline import parse_file

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "tools" / "score_parse.py"
KINDS = (".html", ".htm", ".eml", ".mbox", ".pdf", ".txt")


def predict(folder: Path, out: Path) -> None:
    """Write the parse JSON of every scored file of `folder` into `out`."""
    settings = load_settings(None)
    out.mkdir(parents=True, exist_ok=True)
    for gold in sorted(folder.glob("*.json")):
        issue = next((gold.with_suffix(k) for k in KINDS if gold.with_suffix(k).exists()), None)
        if issue is None:
            continue
        try:
            data = parsed_issue_to_json(parse_file(issue, settings))
        except DigestError as e:
            print(f"{issue.name}: {e}", file=sys.stderr)
            data = {"articles": []}
        (out / gold.name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="keep the predictions here (default: a temporary folder)")
    parser.add_argument("--show", action="store_true", help="print the scorer's problems, not only the summary")
    args = parser.parse_args()
    base = args.out or Path(tempfile.mkdtemp(prefix="score-html-"))
    for n, folder in enumerate(args.folders):
        out = base / f"{n:02d}-{folder.name}"
        predict(folder, out)
        result = subprocess.run([sys.executable, str(SCORER), "--gold-dir", str(folder), "--pred-dir", str(out)],
                                capture_output=True, text=True, check=True)
        lines = result.stdout.strip().splitlines()
        shown = [line for line in lines if args.show or not line.startswith(("==", "  -"))]
        print(f"{folder}: " + "\n".join(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
