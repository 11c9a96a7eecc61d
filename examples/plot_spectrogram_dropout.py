"""What the paper's noise does: a mel spectrogram with 0, 25, 50 and 75 % of its pixels set to 0.

One 5-s clip of a real GTZAN track goes through ``MelSpectrogram`` (128 mel bands, dB
relative to the loudest pixel of the clip) and then ``PixelDropoutNoise`` at each rate,
exactly as in the ``noise`` step of the spectrogram pipelines at test time. The four
panels share one colour scale. A dropped pixel becomes 0 dB, as loud as the loudest pixel
of the clip, so the noise shows as bright speckle.

Run::

    python examples/plot_spectrogram_dropout.py             # ../shared/data/gtzan/sample/blues/blues.00000.wav
    python examples/plot_spectrogram_dropout.py --audio song.wav
    python examples/plot_spectrogram_dropout.py --small     # seconds, a SYNTHETIC toy clip (what CI runs)

The documentation's figure is made with::

    python examples/plot_spectrogram_dropout.py --out docs/img

Writes ``spectrogram_dropout.png`` into ``--out`` (default: the current folder).
"""

from pathlib import Path

import numpy as np
from _common import GTZAN, make_parser, parse_plot_args, save_figure, toy_waves

DEFAULT_AUDIO = GTZAN / "sample" / "blues" / "blues.00000.wav"
RATES = [0.0, 0.25, 0.5, 0.75]


def main(argv=None):
    parser = make_parser(__doc__, seed_help="seeds the clip and the masks")
    parser.add_argument("--audio", metavar="FILE", default=str(DEFAULT_AUDIO),
                        help="audio file (default: GTZAN's blues.00000.wav beside the checkout)")
    args, plt = parse_plot_args(parser, argv, small_help="a synthetic toy clip instead")

    from skgenre import AudioLoader, MelSpectrogram, PixelDropoutNoise, RandomClip

    sr = 22050
    if args.small:
        waves, _, source = toy_waves("clip", n_per_class=1, n_classes=1, duration=6.0, sr=sr)
    else:
        audio = Path(args.audio)
        if not audio.is_file():
            parser.error(f"--audio {audio}: no such file (the default needs ../shared beside "
                         "the checkout; give another file, or --small)")
        waves = AudioLoader(sr=sr).fit_transform([str(audio)])
        source = f"GTZAN's {audio.name}" if audio == DEFAULT_AUDIO else audio.name
    clip = RandomClip(duration=5.0, sr=sr, random_state=args.seed).fit_transform(waves)
    spec = MelSpectrogram(sr=sr).fit_transform(clip)  # (1, 128, 216), dB re the loudest pixel
    noise = PixelDropoutNoise(random_state=args.seed).fit(spec)
    images = [noise.set_params(rate=r).transform(spec)[0] for r in RATES]
    for r, img in zip(RATES, images):
        print(f"rate {r:.2f}: {np.mean(img == 0):.3f} of the pixels at 0 dB, "
              f"mean {img.mean():.1f} dB")

    fig, axes = plt.subplots(2, 2, figsize=(7.6, 5.4), dpi=100, sharex=True, sharey=True)
    seconds = spec.shape[-1] * 512 / sr
    vmin = float(spec.min())
    for ax, r, img in zip(axes.flat, RATES, images):
        im = ax.imshow(img, origin="lower", aspect="auto", cmap="magma", vmin=vmin, vmax=0.0,
                       extent=(0.0, seconds, 0, img.shape[0]), interpolation="nearest")
        ax.set_title(f"{int(100 * r)} % of the pixels set to 0" if r else "clean",
                     fontsize=10)
    for ax in axes[1]:
        ax.set_xlabel("time in the clip (s)")
    for ax in axes[:, 0]:
        ax.set_ylabel("mel band")
    fig.colorbar(im, ax=axes, shrink=0.9, label="dB (0 = loudest pixel of the clip)")
    fig.suptitle(f"MelSpectrogram + PixelDropoutNoise: a random 5-s clip (seed {args.seed}) "
                 f"of {source}", fontsize=10)
    save_figure(fig, args.out, "spectrogram_dropout.png", palette=True, tight=False)


if __name__ == "__main__":
    main()
