"""Write a model card beside a weights file from its evaluation JSON.

    python -m vision.model_card detector --eval runs/detector_val.json --notes runs/detector_notes.md

The card (``vision/weights/MODEL_CARD_<name>.md``) holds the notes (data, split, command, time,
hardware, written by whoever trained the model), the evaluation figures, and what the checkpoint
records about itself (format version, architecture, label count, training data hash, conversion
history), the file size and its sha256, so that a card always names the exact file it describes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vision.checkpoints import WEIGHTS_DIR, load_checkpoint, sha256_file


def file_lines(weights: Path) -> list[str]:
    """The card's "File" section lines for the checkpoint ``weights`` (markdown list items).
    Raises what :func:`vision.checkpoints.load_checkpoint` raises."""
    ckpt = load_checkpoint(weights)
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in ckpt["state_dict"].values() if v.is_floating_point()})
    lines = [
        f"- `vision/weights/{weights.name}`: {weights.stat().st_size} bytes, {'/'.join(dtypes)} weights, "
        f"checkpoint format version {ckpt['format_version']} (`vision.checkpoints`)",
        f"- architecture `{ckpt['arch']}` (`vision.registry`), {len(ckpt['labels'])} labels, "
        f"config `{json.dumps(ckpt['config'])}`",
        f"- training data: pack index sha256 `{ckpt['data_sha256']}` (`vision.pack`)",
    ]
    meta = ckpt["meta"]
    if "calibration" in meta:
        lines.append(f"- fitted after training by `python -m vision.calibrate`: `{json.dumps(meta['calibration'])}`")
    if "converted_from" in meta:
        lines.append(
            f"- converted by `python -m vision.convert_weights` from the earlier unversioned file "
            f"(sha256 `{meta['source_sha256']}`): same tensors, same outputs"
        )
    return lines + [f"- sha256: `{sha256_file(weights)}`"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=["detector", "classifier", "segmenter"])
    ap.add_argument("--eval", required=True, nargs="+", help="evaluation JSON file(s) from vision.evaluate")
    ap.add_argument("--notes", required=True, help="markdown: data, split, command, time, hardware")
    args = ap.parse_args(argv)
    weights = WEIGHTS_DIR / f"{args.name}.pt"
    lines = [f"# Model card: {args.name}", "", Path(args.notes).read_text().strip(), "", "## Metrics", ""]
    for path in args.eval:
        res = json.loads(Path(path).read_text())
        lines += [
            f"From `{Path(path).name}`:",
            "",
            "```json",
            json.dumps({k: v for k, v in res.items() if k not in ("per_category", "confusion")}, indent=2),
            "```",
            "",
        ]
        if "per_category" in res:
            lines += ["| category | n_gt | mask AP | mask AP50 | IoU |", "| --- | --- | --- | --- | --- |"]
            for slug, m in res["per_category"].items():
                lines.append(
                    f"| {slug} | {m.get('n_gt', 0)} | {m.get('mask_ap', 0):.3f} | "
                    f"{m.get('mask_ap50', 0):.3f} | {m.get('iou', 0):.3f} |"
                )
            lines.append("")
    lines += ["## File", "", *file_lines(weights), ""]
    out = WEIGHTS_DIR / f"MODEL_CARD_{args.name}.md"
    out.write_text("\n".join(lines))
    print(out)


if __name__ == "__main__":
    main()
