"""TensorFlow without its start-up banners on the command line."""

import logging
import os

__all__ = ["quiet_tensorflow"]


def quiet_tensorflow():
    """Silence TensorFlow's and absl's log chatter; call it before TensorFlow is imported.

    TensorFlow's C++ side reads ``TF_CPP_MIN_LOG_LEVEL`` once, when it loads: at 3 it drops
    the info banners (CPU instructions, oneDNN) and absl's note about logs before
    ``InitializeLog`` that comes with the first of them. Nothing that changes numerics is
    touched (oneDNN stays on: ``TF_ENABLE_ONEDNN_OPTS`` is left alone). A level the user
    set wins. The Python loggers of TensorFlow and absl are held to errors.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging
    except ImportError:  # pragma: no cover - absl comes with TensorFlow
        return
    absl_logging.set_verbosity(absl_logging.ERROR)
