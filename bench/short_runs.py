"""How often the base64 runs of a short secret (4 to 7 bytes) are found in ordinary text: this
project's docs and test data (5 MB of Markdown, YAML, JSON: words, paths, digests, and the
base64 of certificates and GitHub node ids), which hold no echo of the random secrets drawn.

For each run length: the share of runs found anywhere in the text (what redaction would blank,
with the base64 around it, were every run redacted wherever it is), and the share found where
the characters beside it hold the secret's first and last bits as an echo's do (what
``core.log`` redacts of a run shorter than 8 characters). Beside them, the share of the
secrets themselves found as written (registered as they are since 4 characters).

    .venv/bin/python bench/short_runs.py [--secrets 1000]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitops_bot.core import spellings  # noqa: E402


def _corpus() -> str:
    parts = []
    for pattern in ("docs/**/*.md", "tests/data/**/*", "testkit/**/*.yaml", "testkit/**/*.json"):
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file():
                try:
                    parts.append(path.read_text(encoding="utf-8"))
                except (UnicodeDecodeError, OSError):
                    continue
    return "\n".join(parts)


def _found(text: str, run: str, ends: spellings.Ends | None) -> tuple[bool, bool]:
    """(found anywhere, found as an echo)."""
    anywhere = False
    at = 0
    while (i := text.find(run, at)) >= 0:
        anywhere = True
        if ends is None or spellings.echoed(text, i, i + len(run), ends):
            return True, True
        at = i + 1
    return anywhere, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=1000, help="secrets drawn per alphabet and length")
    args = parser.parse_args()
    text = _corpus()
    rng = random.Random(7)
    alphabets = {
        "printable": string.ascii_letters + string.digits + string.punctuation,
        "a-z0-9": string.ascii_lowercase + string.digits,
    }
    print(f"{len(text) / 1e6:.1f} MB of ordinary text; {args.secrets} random secrets per row")
    print(f"{'alphabet':10} {'bytes':>5} {'as written':>11}   runs by length: found anywhere / as an echo")
    for name, alphabet in alphabets.items():
        for size in range(4, 8):
            plain = 0
            counts: dict[int, list[int]] = {}
            for _ in range(args.secrets):
                secret = "".join(rng.choice(alphabet) for _ in range(size))
                plain += secret in text
                for run, ends in spellings.base64_runs(secret).items():
                    anywhere, echo = _found(text, run, ends)
                    row = counts.setdefault(len(run), [0, 0, 0])
                    row[0] += 1
                    row[1] += anywhere
                    row[2] += echo
            cells = "  ".join(
                f"{n}: {a / total:.2%} / {e / total:.2%}" for n, (total, a, e) in sorted(counts.items())
            )
            print(f"{name:10} {size:>5} {plain / args.secrets:>11.1%}   {cells}")


if __name__ == "__main__":
    main()
