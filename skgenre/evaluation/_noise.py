"""Noise robustness: score a fitted pipeline at several noise rates without refitting."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from ..utils import spawn_seeds

__all__ = ["noise_robustness"]


@validate_params(
    {
        "fitted_pipeline": [Pipeline],
        "X_test": ["array-like"],
        "y_test": ["array-like"],
        "rates": ["array-like", Interval(Real, 0, 1, closed="both")],
        "step": [str],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "scoring": [str, callable],
    },
    prefer_skip_nested_validation=True,
)
def noise_robustness(
    fitted_pipeline,
    X_test,
    y_test,
    rates=(0.0, 0.25, 0.5, 0.75),
    *,
    step="noise",
    n_repeats=1,
    random_state=None,
    scoring="accuracy",
):
    """Score a fitted pipeline on test data corrupted at several noise rates.

    The paper's robustness protocol: train on clean data, test on noisy data. The
    pipeline's ``step`` (a :class:`~skgenre.PixelDropoutNoise`, which reads its ``rate`` at
    transform time) is switched to each rate with ``set_params``; nothing is refitted.
    After the evaluation the step's original ``rate`` and ``random_state`` are restored,
    also when scoring raises.

    The steps before ``step`` do not depend on the rate, so ``X_test`` is transformed
    through them once (``fitted_pipeline[:i]``) and only the rest of the pipeline
    (``fitted_pipeline[i:]``) runs per rate and repeat. A random clip step before the noise
    therefore cuts the same clips for every rate, which makes the rates comparable.

    Parameters
    ----------
    fitted_pipeline : Pipeline
        A fitted pipeline with a noise step named ``step``, e.g. from
        :func:`~skgenre.make_feature_pipeline`, :func:`~skgenre.make_spectrogram_dense_pipeline`
        or :func:`~skgenre.make_cnn_pipeline` (all three have a ``noise`` step: on the
        clip's STFT bins for the feature model, on spectrogram pixels for the others).
    X_test : array-like
        Test input, as the pipeline's first step expects it (paths, waveforms, or clips).
    y_test : array-like of shape (n_samples,)
        True labels.
    rates : array-like of float in [0, 1] or float, default=(0, 0.25, 0.5, 0.75)
        Noise rates (fraction of values set to zero) to evaluate.
    step : str, default="noise"
        Name of the noise step; it must have ``rate`` and ``random_state`` parameters. A
        nested step is named by its parameter path (``"track__estimator__noise"`` in a
        ``track=True`` pipeline); a name that is not a top-level step is looked up as the
        last part of such a path, so the default finds the noise of every factory's
        pipeline. The rate is set on the fitted step that predicts: where a
        meta-estimator fitted a clone of its ``estimator`` (``estimator_``), on the
        clone's noise step.
    n_repeats : int, default=1
        Noise draws per rate. Rate 0 is an identity, so it is scored once and the score is
        repeated.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise. Repeat ``r`` sets the step's ``random_state`` to the ``r``-th seed
        drawn from ``random_state``; the same seeds are used at every rate. An int makes the
        whole evaluation repeatable.
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name or a callable ``scorer(estimator, X, y)``.

    Returns
    -------
    results : pandas.DataFrame
        One row per rate, in the order given, with columns ``rate``, ``mean_score``,
        ``std_score`` and ``repeat0_score`` ... ``repeat{n_repeats-1}_score``.
        ``results.attrs`` records ``scoring``, ``n_repeats`` and the ``seeds`` used.

    Raises
    ------
    ValueError
        If ``step`` is not a step of the pipeline or has no ``rate`` parameter, a nested
        ``step`` lies inside a meta-estimator whose fitted copy cannot be reached (so
        its rate could not be changed where it predicts), or a rate is outside [0, 1].
    sklearn.exceptions.NotFittedError
        If the pipeline is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import Pipeline
    >>> from skgenre import PixelDropoutNoise
    >>> from skgenre.evaluation import noise_robustness
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 8)).astype(np.float32) + np.repeat([0, 3], 30)[:, None]
    >>> y = np.repeat([0, 1], 30)
    >>> noise = PixelDropoutNoise(mode="image")  # 2-D rows as images
    >>> pipe = Pipeline([("noise", noise), ("clf", LogisticRegression())]).fit(X, y)
    >>> res = noise_robustness(pipe, X, y, rates=[0, 0.5, 1.0], n_repeats=2, random_state=0)
    >>> list(res.columns)
    ['rate', 'mean_score', 'std_score', 'repeat0_score', 'repeat1_score']
    >>> bool(res["mean_score"].iloc[0] >= res["mean_score"].iloc[-1])
    True
    >>> pipe.named_steps["noise"].rate  # restored
    0.0
    """
    pipe = fitted_pipeline
    names = [name for name, _ in pipe.steps]
    step = _resolve_step(pipe, step)
    # The top-level step that is or holds the noise: the steps before it run once.
    idx = names.index(step.split("__")[0])
    check_is_fitted(pipe)
    noise = _fitted_at(pipe, step)
    if not hasattr(noise, "get_params"):
        raise ValueError(
            f"the pipeline's step {step!r} is {noise!r}, not a noise step; set it to a "
            "skgenre.PixelDropoutNoise (rate=0.0 is an identity) before fitting."
        )
    noise_params = noise.get_params(deep=False)
    if "rate" not in noise_params:
        raise ValueError(
            f"the pipeline's step {step!r} ({type(noise).__name__}) has no 'rate' parameter; "
            "noise_robustness needs a noise step such as skgenre.PixelDropoutNoise."
        )

    rates = np.atleast_1d(np.asarray(rates, dtype=float))
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError(f"rates must be a non-empty 1-D list of floats; got {rates!r}.")
    bad = rates[~((rates >= 0) & (rates <= 1))]
    if bad.size:
        raise ValueError(f"every rate must be in [0, 1]; got {bad.tolist()}.")

    scorer = check_scoring(pipe, scoring=scoring)
    seeds = spawn_seeds(random_state, n_repeats)
    has_seed = "random_state" in noise_params

    # The head does not depend on the rate: run it once.
    Xt = pipe[:idx].transform(X_test) if idx > 0 else X_test
    if (rates > 0).any() and hasattr(Xt, "decode"):
        # lazy files (a lazy AudioLoader head): decode once, not once per rate and repeat
        Xt = Xt.decode()
    tail = pipe[idx:]

    original = {"rate": noise_params["rate"]}
    if has_seed:
        original["random_state"] = noise_params["random_state"]
    scores = np.empty((rates.size, n_repeats), dtype=float)
    try:
        for i, rate in enumerate(rates):
            if rate == 0:
                noise.set_params(rate=0.0)
                scores[i, :] = scorer(tail, Xt, y_test)
                continue
            for r, seed in enumerate(seeds):
                params = {"rate": float(rate)}
                if has_seed:
                    params["random_state"] = int(seed)
                noise.set_params(**params)
                scores[i, r] = scorer(tail, Xt, y_test)
    finally:
        noise.set_params(**original)

    data = {
        "rate": rates,
        "mean_score": scores.mean(axis=1),
        "std_score": scores.std(axis=1),
    }
    for r in range(n_repeats):
        data[f"repeat{r}_score"] = scores[:, r]
    result = pd.DataFrame(data)
    result.attrs.update(
        scoring=scoring if isinstance(scoring, str) else repr(scoring),
        n_repeats=int(n_repeats),
        seeds=[int(s) for s in seeds],
    )
    return result


def _resolve_step(pipe, step):
    """The parameter path of the noise step named ``step`` (top level first, then nested)."""
    names = [name for name, _ in pipe.steps]
    if step in names:
        return step
    params = pipe.get_params()
    if "__" in step and step in params:
        return step
    nested = [key for key in params if key.endswith(f"__{step}") and hasattr(params[key], "fit")]
    if len(nested) == 1:
        return nested[0]
    where = f"; nested candidates: {nested}" if nested else ""
    raise ValueError(
        f"step={step!r} is not a step of the pipeline; its steps are {names}{where}."
    )


def _fitted_at(pipe, path):
    """The fitted object at the parameter path ``path`` of the fitted ``pipe``.

    ``get_params`` names the *parameters*, which for a meta-estimator that fits a clone
    (:class:`~skgenre.models.TrackClassifier`'s ``estimator``) are the unfitted templates:
    changing the rate there changes nothing that predicts. So each part of the path is
    taken from what fitting made: a pipeline's (or union's) named step, else the fitted
    clone ``<part>_`` where there is one. A fitted meta-estimator that keeps its fitted
    copies elsewhere (``CalibratedClassifierCV``'s ``calibrated_classifiers_``) is an
    error, not a silent evaluation of the clean model.
    """
    from sklearn.exceptions import NotFittedError

    obj = pipe
    for depth, part in enumerate(path.split("__")):
        # fitted containers first: ColumnTransformer / Voting / Stacking keep fitted clones
        # in named_transformers_ / named_estimators_ (their params are the templates)
        named = next((n for n in (getattr(obj, a, None) for a in (
            "named_steps", "named_transformers_", "named_estimators_", "named_transformers"))
            if n is not None and part in n), None)
        if named is not None:
            obj = named[part]
            continue
        if hasattr(obj, f"{part}_"):
            obj = getattr(obj, f"{part}_")
            continue
        inner = obj.get_params(deep=False)[part]
        if hasattr(inner, "fit"):
            try:
                check_is_fitted(obj)
            except NotFittedError:
                pass
            else:
                where = "__".join(path.split("__")[:depth])
                raise ValueError(
                    f"step={path!r}: {type(obj).__name__} at {where!r} keeps no fitted copy "
                    f"of its parameter {part!r} under {part + '_'!r}, so the noise rate "
                    "cannot be set where the model predicts; evaluate the noise outside it "
                    "(e.g. on the pipeline before wrapping it)."
                )
        obj = inner
    return obj
