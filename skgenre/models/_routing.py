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
  :func:`~sklearn.utils.metadata_routing.process_routing`.
"""

from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import has_fit_parameter

__all__ = ["child_fit_params", "child_router", "fit_child"]


def child_router(owner, estimator, *, self_request=False):
    """The routing of ``owner``: its ``fit`` to ``estimator``'s ``fit``.

    ``self_request``: ``owner``'s ``fit`` consumes metadata of its own (e.g. ``groups``
    for its cross-validation) that stay requestable with ``set_fit_request``.
    """
    router = MetadataRouter(owner=owner)
    if self_request:
        router = router.add_self_request(owner)
    return router.add(
        estimator=estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit")
    )


def child_fit_params(owner, sample_weight, fit_params):
    """The metadata that ``owner.fit`` hands to its estimator's ``fit``, as a dict."""
    if _routing_enabled():
        extra = {} if sample_weight is None else {"sample_weight": sample_weight}
        return dict(process_routing(owner, "fit", **extra, **fit_params).estimator.fit)
    _raise_for_params(fit_params, owner, "fit")
    return {} if sample_weight is None else {"sample_weight": sample_weight}


def fit_child(estimator, X, y, params):
    """``estimator.fit(X, y)`` with ``params`` from :func:`child_fit_params`.

    Without routing, ``sample_weight`` goes to a Pipeline's last step, and an estimator
    that takes no ``sample_weight`` is an error that names it.
    """
    if not params or _routing_enabled():
        return estimator.fit(X, y, **params)
    target = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    if target in (None, "passthrough") or not has_fit_parameter(target, "sample_weight"):
        raise TypeError(
            f"sample_weight was given, but {type(target).__name__}.fit takes no "
            "sample_weight; give an estimator that does, or no weights."
        )
    if isinstance(estimator, Pipeline):
        params = {f"{estimator.steps[-1][0]}__{k}": v for k, v in params.items()}
    return estimator.fit(X, y, **params)
