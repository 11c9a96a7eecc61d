"""Smoke test of an installed skgenre (run from outside the checkout, after installing a wheel).

It fails when the package that was installed is missing a module or its package data (the
split lists and the artist index under ``skgenre/datasets/data``), or cannot go from audio
to a saved and reloaded model and back to a genre.
"""

import subprocess
import sys
import tempfile
from pathlib import Path


def main():
    import skgenre

    where = Path(skgenre.__file__).resolve()
    repo = Path(__file__).resolve().parents[1]
    assert repo not in where.parents, f"skgenre imported from the checkout ({where}), not the wheel"
    print("skgenre", skgenre.__version__, "from", where.parent)

    data = where.parent / "datasets" / "data"
    shipped = sorted(p.name for p in data.iterdir())
    print("package data:", ", ".join(shipped))
    for name in ("train_filtered.txt", "valid_filtered.txt", "test_filtered.txt",
                 "gtzan_artists.csv"):
        assert name in shipped, f"{name} missing from the wheel"

    from skgenre.datasets import load_gtzan_artists

    artists = load_gtzan_artists()
    assert len(artists) == 1000 and artists["blues.00000"] == "John Lee Hooker", artists

    from skgenre.evaluation import filtered_split

    train, valid, test = filtered_split(["blues/blues.00029.wav", "blues/blues.00000.wav"])
    assert len(train) + len(valid) + len(test) >= 1, "the filtered split lists are empty"

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skgenre import AudioLoader, FeatureExtractor26, RandomClip, load_model, save_model
    from skgenre.datasets import make_toy_genres

    with tempfile.TemporaryDirectory() as tmp:
        toy = make_toy_genres(n_per_class=3, n_classes=2, duration=6.0, random_state=0,
                              path=Path(tmp) / "toy")
        X, y = toy.filenames, toy.target
        pipe = make_pipeline(AudioLoader(), RandomClip(random_state=0), FeatureExtractor26(),
                             StandardScaler(), LogisticRegression()).fit(X, y)
        path = save_model(pipe, Path(tmp) / "m.skgenre")
        again = load_model(path)
        assert (again.predict(X) == pipe.predict(X)).all()
        cli = subprocess.run([sys.executable, "-m", "skgenre", "--version"], capture_output=True,
                             text=True, check=True)
        print(cli.stdout.strip(), "| toy pipeline saved, loaded and predicted the same")


if __name__ == "__main__":
    main()
