"""Figures written by ``skgenre reproduce``: confusion matrices and the noise curve."""

from pathlib import Path

import numpy as np

from ..utils import atomic_write

__all__ = ["plot_confusion_matrix", "plot_noise_curves"]


def _pyplot():
    import matplotlib

    # Files only, never a window: works on headless machines and in CI.
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_confusion_matrix(cm, classes, title, path):
    """Write a confusion matrix (rows: true genre, columns: predicted) as a PNG.

    Parameters
    ----------
    cm : ndarray of shape (n_classes, n_classes)
        Counts.
    classes : list of str
        Class labels in matrix order.
    title : str
        Figure title.
    path : path-like
        Output PNG.
    """
    plt = _pyplot()
    cm = np.asarray(cm)
    n = len(classes)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * n, 0.8 + 0.55 * n), dpi=100)
    im = ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(n), [str(c) for c in classes], rotation=45, ha="right")
    ax.set_yticks(range(n), [str(c) for c in classes])
    ax.set_xlabel("predicted genre")
    ax.set_ylabel("true genre")
    ax.set_title(title)
    threshold = cm.max() / 2 if cm.size and cm.max() > 0 else 0.5
    for i in range(n):
        for j in range(n):
            ax.text(
                j, i, int(cm[i, j]), ha="center", va="center", fontsize=8,
                color="white" if cm[i, j] > threshold else "black",
            )
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def _save(fig, path):
    """Atomically: an interrupted run leaves the previous figure, not half a PNG."""
    with atomic_write(path) as f:
        fig.savefig(f, format=Path(path).suffix.lstrip(".").lower() or "png")


def plot_noise_curves(curves, paper, title, path, n_classes=10):
    """Write test accuracy against noise rate, ours (solid) and the paper's (dashed).

    Parameters
    ----------
    curves : dict of str -> (rates, mean, std)
        Our results per model.
    paper : dict of str -> dict of float -> float or None
        The paper's Table 1 per model (None where it reports no number).
    title : str
        Figure title.
    path : path-like
        Output PNG.
    n_classes : int, default=10
        Number of classes: chance is one over it.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=100)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for color, (name, (rates, mean, std)) in zip(colors, curves.items()):
        rates = 100 * np.asarray(rates, dtype=float)
        mean = np.asarray(mean, dtype=float)
        std = np.asarray(std, dtype=float)
        ax.plot(rates, mean, "o-", color=color, label=f"{name} (skgenre)")
        if np.any(std > 0):
            ax.fill_between(rates, mean - std, mean + std, color=color, alpha=0.2)
        ref = paper.get(name, {})
        pts = [(100 * r, a) for r, a in sorted(ref.items()) if a is not None]
        if pts:
            xs, ys = zip(*pts)
            ax.plot(xs, ys, "s--", color=color, alpha=0.6, label=f"{name} (paper)")
    ax.axhline(1 / n_classes, color="gray", lw=0.8, ls=":",
               label=f"chance ({n_classes} classes)")
    ax.set_xlabel("noise: pixels set to 0 (%)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
