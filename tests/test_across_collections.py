"""Across collections on real music: trained on GTZAN mini, tested on another collection.

Emotify (``../shared/data/emotify``) shares three genres with GTZAN and no artist. These
tests train on all 100 mini tracks and judge Emotify's classical, pop and rock tracks, as
``benchmarks/bench_zero_shot.py --combined`` measures them (there on cached scores, here
through the public pipeline from the audio files). They skip without ``../shared``.
"""

import numpy as np
import pytest

SHARED_GENRES = ["classical", "pop", "rock"]


@pytest.mark.slow
def test_the_combined_model_carries_over_and_the_mix_adapts_or_is_stated(gtzan_dir, musicnn_weights):
    from skgenre import make_combined_pipeline
    from skgenre.datasets import load_genre_folders
    from skgenre.models import adapt_to_label_shift

    emotify = gtzan_dir.parent / "emotify"
    if not (emotify.is_dir() and (gtzan_dir / "mini").is_dir()):
        pytest.skip(f"needs {gtzan_dir / 'mini'} and {emotify}")
    mini, other = load_genre_folders(gtzan_dir / "mini"), load_genre_folders(emotify)
    y_mini = np.asarray(mini.target_names)[mini.target]
    y = np.asarray(other.target_names)[other.target]
    keep = np.isin(y, SHARED_GENRES)
    files = np.asarray(other.filenames, dtype=object)[keep]
    pipe = make_combined_pipeline("gtzan", n_jobs=2).fit(mini.filenames, y_mini)
    classes = pipe.classes_
    P = pipe.predict_proba(files)
    plain = np.mean(classes[P.argmax(axis=1)] == y[keep])
    Q, mix = adapt_to_label_shift(P)
    adapted = np.mean(classes[Q.argmax(axis=1)] == y[keep])
    # measured 2026-12-07 (bench_zero_shot.py, bench_real.py --across, skgenre adapt):
    # 0.653 each song alone, 0.827 with the mix of the 150 songs estimated from them
    assert plain == pytest.approx(0.653, abs=0.02)
    assert adapted >= 0.80, adapted
    # the estimate finds the three genres that the batch holds
    assert mix[np.isin(classes, SHARED_GENRES)].sum() >= 0.9, dict(zip(classes, mix))
    # the three genres stated instead of estimated: each song judged on its own, 0.840
    S, _ = adapt_to_label_shift(P, test_prior=np.isin(classes, SHARED_GENRES))
    stated = np.mean(classes[S.argmax(axis=1)] == y[keep])
    assert stated >= 0.80, stated
    one = [classes[adapt_to_label_shift(P[i:i + 1], test_prior=np.isin(
        classes, SHARED_GENRES))[0].argmax()] for i in range(0, len(P), 25)]
    assert one == list(classes[S.argmax(axis=1)][::25])
