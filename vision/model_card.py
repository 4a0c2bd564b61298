"""Write a model card beside a weights file from its evaluation JSON.

    python -m vision.model_card detector --eval runs/detector_val.json --notes runs/detector_notes.md

The card (``vision/weights/MODEL_CARD_<name>.md``) holds the notes (data, split, command, time,
hardware, written by whoever trained the model), the evaluation figures, the file size and its
sha256, so that a card always names the exact file it describes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from vision.inference import WEIGHTS_DIR


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=["detector", "classifier"])
    ap.add_argument("--eval", required=True, nargs="+", help="evaluation JSON file(s) from vision.evaluate")
    ap.add_argument("--notes", required=True, help="markdown: data, split, command, time, hardware")
    args = ap.parse_args(argv)
    weights = WEIGHTS_DIR / f"{args.name}.pt"
    lines = [f"# Model card: {args.name}", "", Path(args.notes).read_text().strip(), "", "## Metrics", ""]
    for path in args.eval:
        res = json.loads(Path(path).read_text())
        lines += [f"From `{Path(path).name}`:", "", "```json",
                  json.dumps({k: v for k, v in res.items() if k not in ("per_category", "confusion")}, indent=2),
                  "```", ""]
        if "per_category" in res:
            lines += ["| category | n_gt | mask AP | mask AP50 | IoU |", "| --- | --- | --- | --- | --- |"]
            for slug, m in res["per_category"].items():
                lines.append(f"| {slug} | {m.get('n_gt', 0)} | {m.get('mask_ap', 0):.3f} | "
                             f"{m.get('mask_ap50', 0):.3f} | {m.get('iou', 0):.3f} |")
            lines.append("")
    lines += ["## File", "", f"- `vision/weights/{weights.name}`: {weights.stat().st_size} bytes, fp16",
              f"- sha256: `{sha256(weights)}`", ""]
    out = WEIGHTS_DIR / f"MODEL_CARD_{args.name}.md"
    out.write_text("\n".join(lines))
    print(out)


if __name__ == "__main__":
    main()
