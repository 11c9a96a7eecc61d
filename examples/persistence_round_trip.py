"""Persistence: save a fitted pipeline to one file, load it back, get the same predictions.

``save_model`` writes skgenre's safe model format (one zip file: the Keras networks as
``.keras`` files, loaded in Keras' safe mode, and the rest in skops' format, loaded only from
a list of trusted types) with the versions of skgenre, scikit-learn, Keras, TensorFlow and
NumPy; ``load_model`` reads it without running code from the file, warns when versions
differ (VersionMismatchWarning) and refuses files that are not skgenre models, and
pickle-based files unless they are trusted, with a ModelFileError. By default the loaded
networks run on a NumPy forward pass (no TensorFlow): the same probabilities to within
float32 rounding (at most 1e-5 apart); ``engine="keras"`` gives them bit for bit.

Run::

    python examples/persistence_round_trip.py
    python examples/persistence_round_trip.py --small    # seconds (what CI runs)

Writes ``model.skgenre`` into ``--out`` (default: the current folder).
"""

from pathlib import Path

import numpy as np
from _common import make_parser, parse_args, toy_waves


def main(argv=None):
    parser = make_parser(__doc__, out_help="folder for the model file")
    args = parse_args(parser, argv, small_help="tiny data and training")
    small = args.small

    from skgenre import ModelFileError, load_model, make_feature_pipeline, save_model

    X, y, _ = toy_waves(n_per_class=6 if small else 30, n_classes=3, duration=6.0)

    pipe = make_feature_pipeline("paper", random_state=0)
    if small:
        pipe.set_params(classifier__epochs=3)
    pipe.fit(X, y)
    proba = pipe.predict_proba(X)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = save_model(pipe, out / "model.skgenre")
    print(f"saved {path} ({path.stat().st_size / 1024:.0f} KiB)")

    loaded = load_model(path)  # the safe format: no code from the file runs
    diff = float(np.abs(loaded.predict_proba(X) - proba).max())
    print(f"NumPy engine: largest difference in predicted probabilities {diff:.1e}")
    same = np.array_equal(load_model(path, engine="keras").predict_proba(X), proba)
    print("Keras engine: identical predicted probabilities after the round trip:", same)
    if diff > 1e-5 or not same:
        raise SystemExit("the loaded model predicts differently")

    # A file that is not a model is refused with a clear error, not unpickled blindly.
    bogus = out / "not-a-model.joblib"
    bogus.write_text("just text")
    try:
        load_model(bogus)
    except ModelFileError as exc:
        print("refused:", exc)
    else:
        raise SystemExit("a text file was accepted as a model")
    finally:
        bogus.unlink()


if __name__ == "__main__":
    main()
