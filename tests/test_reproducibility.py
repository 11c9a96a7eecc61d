"""Same seed, same result: clips, noise masks and predictions agree across processes."""

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import hashlib, json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    from skgenre import MelSpectrogram, PixelDropoutNoise, RandomClip, make_feature_pipeline
    from skgenre.datasets import load_gtzan, make_toy_genres

    root = sys.argv[1]
    make_toy_genres(n_per_class=4, n_classes=3, duration=2.0, random_state=7, path=root)
    data = load_gtzan(root)

    def digest(a):
        return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

    from skgenre import AudioLoader
    waves = AudioLoader().fit_transform(data.filenames)
    clips = RandomClip(duration=1.0, random_state=0).fit_transform(waves)
    spec = MelSpectrogram().fit_transform(clips)
    noisy = PixelDropoutNoise(rate=0.5, random_state=0).fit_transform(spec)
    pipe = make_feature_pipeline("paper", duration=1.0, random_state=0)
    proba = pipe.fit(data.filenames, data.target).predict_proba(data.filenames)
    print(json.dumps({
        "clips": digest(clips),
        "mask": digest(noisy == 0),
        "proba": digest(np.round(proba, 6)),
        "proba_head": np.round(proba[:2], 6).tolist(),
    }))
    """
)


def _run(tmp_path, name):
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_same_seed_same_results_in_two_processes(tmp_path):
    first = _run(tmp_path, "a")
    second = _run(tmp_path, "b")
    assert first == second
