"""``skgenre reproduce``: the paper's experiment (Table 1) end to end."""

import json
import platform
import time
from pathlib import Path

import numpy as np

from .._version import __version__
from ..utils import atomic_write, check_output_dir, replace_directory
from ._safety import is_result_file
from ._common import (
    MODELS,
    Progress,
    build_pipeline,
    fit_classifier,
    get_dataset,
    load_and_clip,
    transform_in_chunks,
)

__all__ = ["PAPER_TABLE1", "RATES", "format_table", "run_reproduce"]

RATES = (0.0, 0.25, 0.5, 0.75)

# Table 1 of Minhas, Chie & Lee: test accuracy at 0/25/50/75 % of pixels set to 0.
# None: the paper reports no number (NA).
PAPER_TABLE1 = {
    "feature": {0.0: 0.334, 0.25: 0.209, 0.5: 0.146, 0.75: 0.100},
    "spec-dense": {0.0: 0.205, 0.25: 0.146, 0.5: 0.100, 0.75: 0.100},
    "cnn": {0.0: 0.322, 0.25: 0.105, 0.5: None, 0.75: None},
}


def format_table(results, rates=RATES):
    """Table 1 as text: our accuracy with the paper's in parentheses."""
    header = f"{'model':<12}" + "".join(f"{f'{r:.0%} noise':>18}" for r in rates)
    lines = [header, "-" * len(header)]
    for model, (_, label) in MODELS.items():
        cells = []
        for r in rates:
            ours = results[model][r]
            paper = PAPER_TABLE1[model][r]
            paper_s = "NA" if paper is None else f"{paper:.3f}"
            cells.append(f"{f'{ours:.3f} ({paper_s})':>18}")
        lines.append(f"{label:<12}" + "".join(cells))
    lines.append("cells: skgenre accuracy (paper's Table 1 accuracy); NA: not reported")
    return "\n".join(lines)


def _split(y, seed):
    """Stratified 80/20 split of the songs (one clip each: the paper's protocol)."""
    from ..evaluation import paper_split

    return paper_split(len(y), y, test_size=0.2, random_state=seed)


def run_reproduce(args, out=print):
    """Run the experiment; print Table 1 and write the result files. Returns 0."""
    t_start = time.perf_counter()
    progress = Progress(quiet=args.quiet)
    # Checked before any work; the results are written into a staging folder that replaces
    # --out whole at the end, so old and new results are never mixed.
    overwrite = getattr(args, "overwrite", False)
    out_dir = check_output_dir(args.out, overwrite=overwrite, replaceable=is_result_file)
    seed = args.seed

    with progress.stage("data", "preparing the data set"):
        X, y, desc, synthetic = get_dataset(args.data, args.n_per_class, seed, progress)
    out(f"Data: {desc}")
    if synthetic:
        out(
            "NOTE: no --data given, so this run uses the built-in SYNTHETIC toy set; "
            "its numbers say nothing about GTZAN and are not comparable with the paper's."
        )

    pipes = {m: build_pipeline(m, args.preset, seed, args.jobs, args.epochs) for m in MODELS}
    feat, spec, cnn = pipes["feature"], pipes["spec-dense"], pipes["cnn"]

    # One decode and one random clip per song, shared by the three models.
    clips, y = load_and_clip(feat, X, y, progress)
    for p in (spec, cnn):
        p.steps[:2] = feat.steps[:2]
    train, test = _split(y, seed)
    y_tr, y_te = y[train], y[test]
    classes = np.unique(y)
    out(f"Split: {len(train)} training clips, {len(test)} test clips (stratified 80/20, seed {seed})")

    tails, test_inputs = {}, {}

    # Feature model: noise (identity when fitting) -> features -> scale -> classifier.
    noise, features = feat.named_steps["noise"], feat.named_steps["features"]
    C_tr = noise.fit_transform(clips[train])
    with progress.stage("features", f"extracting features of {len(train)} training clips"):
        features.fit(C_tr, y_tr)
        F_tr = transform_in_chunks(features, C_tr, progress, "clips")
    fit_classifier(feat[4:], F_tr, y_tr, progress, "feature")
    tails["feature"], test_inputs["feature"] = feat[2:], clips[test]

    # Both spectrogram models: mel spectrograms computed once, shared where the settings agree.
    mel = spec.named_steps["melspec"]
    with progress.stage("melspec", f"computing mel spectrograms of {len(y)} clips"):
        mel.fit(clips[train])
        S = transform_in_chunks(mel, clips, progress, "clips")
        if cnn.named_steps["melspec"].get_params() == mel.get_params():
            cnn.steps[2] = ("melspec", mel)
            S_cnn = S
        else:
            cnn.named_steps["melspec"].fit(clips[train])
            S_cnn = transform_in_chunks(cnn.named_steps["melspec"], clips, progress, "clips (CNN)")
    fit_classifier(spec[3:], S[train], y_tr, progress, "spec-dense")
    tails["spec-dense"], test_inputs["spec-dense"] = spec[3:], S[test]
    fit_classifier(cnn[3:], S_cnn[train], y_tr, progress, "cnn")
    tails["cnn"], test_inputs["cnn"] = cnn[3:], S_cnn[test]

    from sklearn.metrics import confusion_matrix

    from ..evaluation import noise_robustness

    results, curves, confusion = {}, {}, {}
    for model, tail in tails.items():
        with progress.stage(f"noise_{model}", f"evaluating {model} at noise rates {list(RATES)}"):
            y_pred = tail.predict(test_inputs[model])
            confusion[model] = confusion_matrix(y_te, y_pred, labels=classes)
            res = noise_robustness(
                tail, test_inputs[model], y_te, RATES,
                n_repeats=args.noise_repeats, random_state=seed,
            )
        results[model] = dict(zip(RATES, res["mean_score"].tolist()))
        curves[model] = (res["rate"].to_numpy(), res["mean_score"].to_numpy(), res["std_score"].to_numpy())
        curves[model + "_std"] = dict(zip(RATES, res["std_score"].tolist()))

    out("")
    out(f"Table 1 (preset {args.preset!r}, seed {seed}, data: {'SYNTHETIC toy set' if synthetic else 'GTZAN'})")
    out(format_table(results))
    out("")

    with progress.stage("plots", "writing result files and figures"):
        with replace_directory(out_dir, overwrite=overwrite, replaceable=is_result_file) as tmp:
            files = _write_outputs(
                tmp, args, results, curves, confusion, classes, desc, synthetic,
                n_train=len(train), n_test=len(test), timings=progress.timings,
                t_start=t_start,
            )
    for f in files:
        out(f"wrote {out_dir / Path(f).name}")
    if synthetic:
        out("REMINDER: these results are on SYNTHETIC toy data, not on GTZAN.")
    return 0


def _write_outputs(out_dir, args, results, curves, confusion, classes, desc, synthetic,
                   *, n_train, n_test, timings, t_start):
    import pandas as pd

    from ._plots import plot_confusion_matrix, plot_noise_curves

    data_kind = "synthetic toy set (make_toy_genres)" if synthetic else "GTZAN"
    rows = []
    for model, (_, label) in MODELS.items():
        for r in RATES:
            rows.append(
                {
                    "model": model,
                    "label": label,
                    "noise_rate": r,
                    "accuracy": results[model][r],
                    "accuracy_std": curves[model + "_std"][r],
                    "paper_accuracy": PAPER_TABLE1[model][r],
                    "data": data_kind,
                    "synthetic": synthetic,
                    "preset": args.preset,
                    "seed": args.seed,
                    "n_train": n_train,
                    "n_test": n_test,
                }
            )
    written = []
    csv_path = out_dir / "results.csv"
    with atomic_write(csv_path, "w", newline="") as f:
        pd.DataFrame(rows).to_csv(f, index=False)
    written.append(csv_path)

    for model, (_, label) in MODELS.items():
        path = out_dir / f"confusion_{model}.png"
        acc = results[model][0.0]
        plot_confusion_matrix(
            confusion[model], classes,
            f"{label} ({args.preset}), clean test accuracy {acc:.3f}"
            + (" [SYNTHETIC]" if synthetic else ""),
            path,
        )
        written.append(path)
    curve_path = out_dir / "noise_robustness.png"
    plot_noise_curves(
        {m: curves[m] for m in MODELS},
        PAPER_TABLE1,
        f"Noise robustness ({args.preset})" + (" [SYNTHETIC toy data]" if synthetic else ""),
        curve_path,
    )
    written.append(curve_path)

    timings = dict(timings)
    timings["total"] = time.perf_counter() - t_start
    payload = {
        "skgenre_version": __version__,
        "python": platform.python_version(),
        "data": {"description": desc, "kind": data_kind, "synthetic": synthetic,
                 "path": None if args.data is None else str(args.data)},
        "preset": args.preset,
        "seed": args.seed,
        "epochs_override": args.epochs,
        "noise_repeats": args.noise_repeats,
        "n_train": n_train,
        "n_test": n_test,
        "classes": [str(c) for c in classes],
        "noise_rates": list(RATES),
        "results": rows,
        "confusion_matrices": {m: confusion[m].tolist() for m in MODELS},
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    json_path = out_dir / "results.json"
    with atomic_write(json_path, "w") as f:
        f.write(json.dumps(payload, indent=2))
    written.insert(1, json_path)
    return written
