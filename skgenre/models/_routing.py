"""Metadata (``sample_weight``, ...) from a meta-estimator's ``fit`` to its estimator's.

:class:`~skgenre.TrackClassifier`, :class:`~skgenre.OpenSetClassifier` and
:class:`~skgenre.TagPriorClassifier` fit a clone of ``estimator``. They take
``sample_weight`` as scikit-learn's meta-estimators do:

* with metadata routing off (the default), ``fit(X, y, sample_weight=w)`` hands ``w`` to
  the estimator's ``fit``; to a Pipeline's last step when the estimator is a Pipeline
  (``<step>__sample_weight``, the Pipeline's own convention), since the heads of skgenre's
  factories are Pipelines. Any other metadata is refused, as scikit-learn refuses it;
* with routing on (``sklearn.set_config(enable_metadata_routing=True)``), every metadata
  goes where the estimator requests it (``set_fit_request``), through
  :func:`~sklearn.utils.metadata_routing.process_routing`. The meta-estimator's own
  requests (``set_score_request``, and ``groups`` for OpenSetClassifier's ``cv``) are part
  of its routing, as for scikit-learn's meta-estimators.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_sample_weight, has_fit_parameter

__all__ = ["check_child_params", "child_fit_params", "child_router", "fit_child"]


def child_router(owner, estimator):
    """The routing of ``owner``: its own requests, and its ``fit`` to ``estimator``'s."""
    # A name, not the object: scikit-learn < 1.8 takes a str and deep-copies the owner
    # (a fitted model, maybe large) with every routing it builds.
    router = MetadataRouter(owner=type(owner).__name__).add_self_request(owner)
    return router.add(
        estimator=estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit")
    )


def child_fit_params(owner, sample_weight, fit_params, **own):
    """The metadata that ``owner.fit`` hands to its estimator's ``fit``, as a dict.

    ``own``: metadata that ``owner`` uses itself (``groups``); with routing on it also goes
    to the estimator if the estimator requests it.
    """
    if _routing_enabled():
        given = {"sample_weight": sample_weight, **own}
        given = {k: v for k, v in given.items() if v is not None}
        return dict(process_routing(owner, "fit", **given, **fit_params).estimator.fit)
    _raise_for_params(fit_params, owner, "fit")
    return {} if sample_weight is None else {"sample_weight": sample_weight}


def check_child_params(estimator, params, n_samples):
    """Check, before any costly work, that ``estimator`` can take ``params``.

    Returns ``params`` with ``sample_weight`` (if any) as a float array of ``n_samples``.
    """
    if "sample_weight" not in params:
        return params
    if not _routing_enabled():
        target = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
        if target in (None, "passthrough"):
            raise TypeError(
                f"sample_weight was given, but the Pipeline's last step is {target!r}, "
                "which takes no sample_weight; give an estimator that does, or no weights."
            )
        if not has_fit_parameter(target, "sample_weight"):
            raise TypeError(
                f"sample_weight was given, but {type(target).__name__}.fit takes no "
                "sample_weight; give an estimator that does, or no weights."
            )
    # an empty array of n rows: the check only counts them
    weights = _check_sample_weight(params["sample_weight"], np.empty((n_samples, 0)))
    return {**params, "sample_weight": weights}


def fit_child(estimator, X, y, params):
    """``estimator.fit(X, y)`` with ``params`` checked by :func:`check_child_params`.

    Without routing, ``sample_weight`` goes to a Pipeline's last step.
    """
    if params and not _routing_enabled() and isinstance(estimator, Pipeline):
        params = {f"{estimator.steps[-1][0]}__{k}": v for k, v in params.items()}
    return estimator.fit(X, y, **params)

