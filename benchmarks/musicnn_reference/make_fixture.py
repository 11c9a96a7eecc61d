"""Write the reference outputs of the ORIGINAL musicnn code for skgenre's port test.

Run it in a throw-away environment, never in skgenre's own (musicnn's code needs the
TensorFlow-1 graph API through tf-keras, and its metadata pins numpy<1.17)::

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 librosa==0.11.0
    /tmp/refvenv/bin/pip install --no-deps musicnn==0.1.0
    TF_USE_LEGACY_KERAS=1 /tmp/refvenv/bin/python benchmarks/musicnn_reference/make_fixture.py \
        --data ../shared/data/gtzan/sample --out tests/data/musicnn_reference.npz

What it runs: musicnn's own graph (``musicnn.models.define_model``) restored from the
checkpoint in the installed wheel, in inference mode, exactly as ``musicnn.extractor`` builds
it. What it changes: the input. ``musicnn.extractor.batch_data`` casts the mel spectrogram to
float16 before ``log10(10000 * S + 1)``, and ``10000 * S`` overflows float16 (max 65504) on
loud music, so the network sees ``inf`` (the script counts how often, per file). Here the
same librosa mel spectrogram (16 kHz, n_fft 512, hop 256, 96 bands; librosa's defaults
otherwise) is taken to the log in float32, as skgenre does, and cut into consecutive
non-overlapping 187-frame patches as ``batch_data`` cuts them.

What it writes (one compressed .npz, about 300 KB):

* ``patches`` (P, 187, 96) float32: a few of those model-input patches, and
  ``patch_source`` / ``patch_index``: the file and patch number of each;
* per network (``MSD_musicnn``, ``MTT_musicnn``), the reference outputs on ``patches``:
  ``<net>/taggram`` (P, 50) sigmoid tag probabilities, ``<net>/penultimate`` (P, 200),
  ``<net>/max_pool`` and ``<net>/mean_pool`` (P, 753);
* per network, ``<net>/file_taggram/<file>``: the taggram of every patch of each whole
  file, for an end-to-end check of skgenre's preprocessing plus network on the same files;
* ``float16_inf/<file>``: how many mel values the original float16 path turns into inf.
"""

import argparse
import os
from pathlib import Path

import librosa
import numpy as np
import tensorflow as tf

SR, N_FFT, HOP, N_MELS, N_FRAMES = 16000, 512, 256, 96, 187
FILES = ("blues/blues.00000.wav", "blues/blues.00001.wav", "classical/classical.00000.wav")
# (file, patch number) of the patches whose every output is kept
KEEP = (("blues/blues.00000.wav", 0), ("blues/blues.00000.wav", 6),
        ("blues/blues.00001.wav", 4), ("classical/classical.00000.wav", 9))


def mel(path):
    audio, sr = librosa.load(path, sr=SR)
    return librosa.feature.melspectrogram(
        y=audio, sr=sr, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS
    ).T


def patches(logmel):
    starts = range(0, logmel.shape[0] - N_FRAMES + 1, N_FRAMES)
    return np.stack([logmel[s : s + N_FRAMES] for s in starts]).astype(np.float32)


def run_reference(model, batches):
    """The original graph on each batch; returns a list of output dicts."""
    import musicnn
    from musicnn import models

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits, *_, mean_pool, max_pool, penultimate = models.define_model(
            x, is_training, model, 50
        )
        fetch = {
            "taggram": tf.nn.sigmoid(logits),
            "penultimate": penultimate,
            "max_pool": max_pool,
            "mean_pool": mean_pool,
        }
    with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(
            sess, os.path.join(os.path.dirname(musicnn.__file__), model) + "/"
        )
        return [sess.run(fetch, feed_dict={x: b, is_training: False}) for b in batches]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="GTZAN sample folder (blues/, classical/)")
    ap.add_argument("--out", required=True, help="the .npz to write")
    args = ap.parse_args(argv)

    out = {}
    file_patches = {}
    for rel in FILES:
        m = mel(Path(args.data) / rel)
        out[f"float16_inf/{rel}"] = np.int64(np.isinf(np.log10(10000 * m.astype(np.float16) + 1)).sum())
        file_patches[rel] = patches(np.log10(10000 * m.astype(np.float32) + 1))
    kept = np.stack([file_patches[rel][i] for rel, i in KEEP])
    out["patches"] = kept
    out["patch_source"] = np.array([rel for rel, _ in KEEP])
    out["patch_index"] = np.array([i for _, i in KEEP])
    for model in ("MSD_musicnn", "MTT_musicnn"):
        results = run_reference(model, [kept] + [file_patches[rel] for rel in FILES])
        for key, value in results[0].items():
            out[f"{model}/{key}"] = value.astype(np.float32)
        for rel, res in zip(FILES, results[1:]):
            out[f"{model}/file_taggram/{rel}"] = res["taggram"].astype(np.float32)
    out["versions"] = np.array(
        [f"tensorflow {tf.__version__}", f"librosa {librosa.__version__}", f"numpy {np.__version__}"]
    )
    np.savez_compressed(args.out, **out)
    size = os.path.getsize(args.out)
    print(f"wrote {args.out} ({size / 1024:.0f} KiB, {len(kept)} patches)")
    for rel in FILES:
        print(f"  {rel}: float16 path gives {int(out[f'float16_inf/{rel}'])} inf mel values")
    tags = __import__("musicnn.configuration", fromlist=["MSD_LABELS"]).MSD_LABELS
    for rel in FILES:
        mean = out[f"MSD_musicnn/file_taggram/{rel}"].mean(axis=0)
        print(f"  {rel}: MSD top 5 {[tags[i] for i in np.argsort(-mean)[:5]]}")


if __name__ == "__main__":
    main()
