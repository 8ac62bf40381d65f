"""Saving and loading fitted estimators in a format that runs no code on load.

A pickle (or ``joblib.dump``) of an estimator works, but loading a pickle runs
whatever code the file names: never load one from a source you do not trust.
:func:`save` writes a NumPy ``.npz`` archive instead. Hyperparameters and
fitted attributes go into one JSON document, arrays and the torch weights into
plain numeric arrays; :func:`load` reads them with ``allow_pickle=False`` and
rebuilds only classes of sk_tsgen and the few scikit-learn classes that the
models hold (``StandardScaler``, ``GaussianMixture``), by setting their
attributes, so no code from the file is ever run.

What is not stored: the validation split and the optimizer state (a loaded
model scores, samples and encodes exactly as the saved one, and a new ``fit``
starts afresh), and the ``callbacks`` and ``accelerator`` parameters
(arbitrary objects; the loaded model has None).
"""

from __future__ import annotations

import importlib
import json
import os
import warnings
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import torch
from pandas.tseries.frequencies import to_offset
from skorch.history import History

FORMAT = "sk_tsgen"
FORMAT_VERSION = 1
_METADATA = "metadata"
# scikit-learn classes that fitted sk_tsgen estimators hold
_SKLEARN_CLASSES = {
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.mixture._gaussian_mixture.GaussianMixture",
}


def save(estimator, path: str | os.PathLike) -> None:
    """Write ``estimator`` (fitted or not) to ``path`` without pickle.

    Parameters
    ----------
    estimator : estimator
        An sk_tsgen generator, :class:`~sk_tsgen.anomaly.WindowAnomalyDetector`,
        or adapter; a fitted one keeps everything it needs to score, sample and
        encode.
    path : str or path-like
        File to write (a NumPy ``.npz`` archive; the name is used as given).

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> from sk_tsgen import DenseVAE, load, save
    >>> X = np.sin(np.linspace(0, 6, 24)) + np.random.RandomState(0).rand(50, 24)
    >>> vae = DenseVAE(latent_dim=2, max_epochs=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "vae.npz")
    >>> save(vae, path)
    >>> bool(np.array_equal(load(path).score_samples(X), vae.score_samples(X)))
    True
    """
    encoder = _Encoder()
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sk_tsgen_version": _version(),
        "estimator": encoder.encode(estimator, "estimator"),
    }
    arrays = dict(encoder.arrays)
    arrays[_METADATA] = np.array(json.dumps(document))
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def load(path: str | os.PathLike, *, device: str | None = None):
    """Read an estimator written by :func:`save`; no code from the file runs.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save`.
    device : str or None, default=None
        Device of the loaded networks. None keeps each model's ``device``
        parameter where that device is available here, and otherwise uses the
        CPU with a warning (a model fitted on CUDA loads on a machine without
        it). Given, it also becomes the models' ``device`` parameter.

    Returns
    -------
    estimator : estimator
        The estimator as it was saved.

    Raises
    ------
    ValueError
        If the file is not an sk_tsgen model, or was written by a version of
        the save format this version cannot read.

    Examples
    --------
    >>> import tempfile, os
    >>> from sk_tsgen import DenseVAE, load, save
    >>> path = os.path.join(tempfile.mkdtemp(), "unfitted.npz")
    >>> save(DenseVAE(latent_dim=3), path)
    >>> load(path)
    DenseVAE(latent_dim=3)
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(
            f"{os.fspath(path)!r} is not an sk_tsgen model file: {exc}"
        ) from None
    with archive:
        if not isinstance(archive, np.lib.npyio.NpzFile) or _METADATA not in archive:
            raise ValueError(
                f"{os.fspath(path)!r} is not an sk_tsgen model file (it holds no "
                "sk_tsgen metadata); write one with sk_tsgen.save."
            )
        try:
            document = json.loads(str(archive[_METADATA]))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{os.fspath(path)!r} is not an sk_tsgen model file: its metadata "
                f"is not valid JSON ({exc})."
            ) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"{os.fspath(path)!r} is not an sk_tsgen model file.")
        version = document.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"{os.fspath(path)!r} was written in version {version} of the "
                f"sk_tsgen save format by sk_tsgen "
                f"{document.get('sk_tsgen_version')}; sk_tsgen {_version()} reads "
                f"version {FORMAT_VERSION}. Load it with the sk_tsgen version that "
                "wrote it and refit, or save it again from that version."
            )
        decoder = _Decoder(archive, device)
        try:
            return decoder.decode(document["estimator"])
        except (KeyError, TypeError, AttributeError, RuntimeError) as exc:
            raise ValueError(
                f"{os.fspath(path)!r} is damaged or was written by an incompatible "
                f"version of sk_tsgen ({document.get('sk_tsgen_version')}): {exc}"
            ) from None


def _version() -> str:
    from . import __version__

    return __version__


def _class_path(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _allowed(path: str) -> bool:
    return path.startswith("sk_tsgen.") or path in _SKLEARN_CLASSES


class _Encoder:
    """Python values to JSON, with arrays set aside in ``arrays``."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, value: np.ndarray) -> dict:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(value)
        return {"__array__": key}

    def encode(self, value: Any, where: str):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return value
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                return {
                    "__object_array__": [
                        self.encode(v, where) for v in value.ravel().tolist()
                    ],
                    "shape": list(value.shape),
                }
            return self._array(value)
        if isinstance(value, np.generic):
            if value.dtype.kind in "biuf":
                return {"__scalar__": value.item(), "dtype": value.dtype.str}
            return {"__scalar__": self._array(np.asarray(value))}
        if isinstance(value, np.dtype):
            return {"__dtype__": value.str}
        if isinstance(value, torch.device):
            return {"__device__": str(value)}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, where) for v in value]}
        if isinstance(value, History):
            return {"__history__": self.encode(list(value), where)}
        if isinstance(value, list):
            return [self.encode(v, where) for v in value]
        if isinstance(value, dict):
            return {
                "__dict__": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if isinstance(value, pd.Timestamp):
            return {"__timestamp__": value.value, "tz": _tz(value.tz)}
        if isinstance(value, pd.DatetimeIndex):
            return {
                "__datetime_index__": self._array(value.as_unit("ns").asi8),
                "unit": value.unit,
                "tz": _tz(value.tz),
                "name": self.encode(value.name, where),
            }
        if isinstance(value, pd.RangeIndex):
            return {
                "__range_index__": [value.start, value.stop, value.step],
                "name": self.encode(value.name, where),
            }
        if isinstance(value, pd.Series):
            return {
                "__series__": self.encode(value.to_numpy(), where),
                "index": self.encode(value.index, where),
                "name": self.encode(value.name, where),
            }
        if isinstance(value, pd.DataFrame):
            return {
                "__frame__": [
                    self.encode(value.iloc[:, i].to_numpy(), where)
                    for i in range(value.shape[1])
                ],
                "columns": self.encode(value.columns, where),
                "index": self.encode(value.index, where),
            }
        if isinstance(value, pd.Index):
            return {
                "__index__": self.encode(np.asarray(value), where),
                "name": self.encode(value.name, where),
            }
        if isinstance(value, pd.DateOffset):
            return {"__offset__": value.freqstr}
        path = _class_path(type(value))
        if _allowed(path) and hasattr(value, "__dict__"):
            return self._object(value, path, where)
        raise TypeError(
            f"{where} holds a {type(value).__name__}, which the sk_tsgen save "
            "format cannot store."
        )

    def _object(self, value, path: str, where: str) -> dict:
        from .base import BaseGenerator

        state = dict(value.__dict__)
        if "callbacks" in state and state["callbacks"] is not None:
            warnings.warn(
                f"{where}: the callbacks parameter is not saved; the loaded model "
                "has callbacks=None.",
                UserWarning,
                stacklevel=4,
            )
            state["callbacks"] = None
        if state.get("accelerator") is not None:
            warnings.warn(
                f"{where}: the accelerator parameter is not saved; the loaded "
                "model has accelerator=None.",
                UserWarning,
                stacklevel=4,
            )
            state["accelerator"] = None
        out = {"__object__": path}
        net = state.pop("net_", None) if isinstance(value, BaseGenerator) else None
        if net is not None:
            weights = {
                name: self._array(tensor.detach().cpu().numpy())
                for name, tensor in net.module_.state_dict().items()
            }
            out["__net__"] = {
                "weights": weights,
                "history": self.encode(list(net.history), f"{where}.history_"),
                "interrupted_at": net.interrupted_at_,
                "batch_size": net.batch_size,
                "max_epochs": net.max_epochs,
            }
        out["state"] = {
            name: self.encode(attr, f"{where}.{name}") for name, attr in state.items()
        }
        return out


def _defaults_of_new_parameters(cls, state: dict) -> dict:
    """The defaults of the constructor parameters that a file of an older
    version does not hold (such as ``accelerator``), so that ``get_params``
    and ``clone`` work on what it loads."""
    import inspect

    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):  # pragma: no cover - a builtin init
        return {}
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if name != "self"
        and name not in state
        and parameter.kind is parameter.KEYWORD_ONLY
        and parameter.default is not parameter.empty
    }


def _tz(tz) -> str | None:
    return None if tz is None else str(tz)


def _from_utc(stamps, tz: str | None):
    """Naive UTC nanoseconds (a Timestamp or DatetimeIndex) back in zone ``tz``."""
    return stamps.tz_localize("UTC").tz_convert(tz) if tz else stamps


class _Decoder:
    """The inverse of :class:`_Encoder`, reading arrays from an open npz."""

    def __init__(self, archive, device):
        self.archive, self.device = archive, device

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__array__" in value:
            return self.archive[value["__array__"]]
        if "__scalar__" in value:
            if "dtype" in value:
                return np.dtype(value["dtype"]).type(value["__scalar__"])
            return self.decode(value["__scalar__"])[()]
        if "__object_array__" in value:
            items = [self.decode(v) for v in value["__object_array__"]]
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(value["shape"])
        if "__dtype__" in value:
            return np.dtype(value["__dtype__"])
        if "__device__" in value:
            return torch.device(value["__device__"])
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__history__" in value:
            return History(self.decode(value["__history__"]))
        if "__dict__" in value:
            return {self.decode(k): self.decode(v) for k, v in value["__dict__"]}
        if "__timestamp__" in value:
            return _from_utc(pd.Timestamp(value["__timestamp__"]), value["tz"])
        if "__datetime_index__" in value:
            index = pd.DatetimeIndex(
                self.decode(value["__datetime_index__"]).astype("datetime64[ns]"),
                name=self.decode(value["name"]),
            )
            # files saved before the unit was stored hold nanoseconds
            return _from_utc(index, value["tz"]).as_unit(value.get("unit", "ns"))
        if "__range_index__" in value:
            return pd.RangeIndex(
                *value["__range_index__"], name=self.decode(value["name"])
            )
        if "__series__" in value:
            return pd.Series(
                self.decode(value["__series__"]),
                index=self.decode(value["index"]),
                name=self.decode(value["name"]),
            )
        if "__frame__" in value:
            columns = self.decode(value["columns"])
            data = [self.decode(column) for column in value["__frame__"]]
            frame = pd.DataFrame(
                dict(enumerate(data)), index=self.decode(value["index"])
            )
            frame.columns = columns
            return frame
        if "__index__" in value:
            return pd.Index(
                self.decode(value["__index__"]), name=self.decode(value["name"])
            )
        if "__offset__" in value:
            return to_offset(value["__offset__"])
        if "__object__" in value:
            return self._object(value)
        raise TypeError(f"unknown entry {sorted(value)}")

    def _object(self, value):
        path = value["__object__"]
        if not _allowed(path):
            raise TypeError(f"the file names the class {path}, which is not loaded")
        module_name, _, name = path.rpartition(".")
        cls = getattr(importlib.import_module(module_name), name)
        obj = cls.__new__(cls)
        obj.__dict__.update(_defaults_of_new_parameters(cls, value["state"]))
        obj.__dict__.update(
            {key: self.decode(attr) for key, attr in value["state"].items()}
        )
        if "__net__" in value:
            self._restore_net(obj, value["__net__"])
        elif self.device is not None and "device" in obj.__dict__:
            obj.device = self.device
        return obj

    def _restore_net(self, generator, stored: dict) -> None:
        from .base import resolve_device, seeded_torch

        name = type(generator).__name__
        if self.device is not None:
            generator.device = self.device
        try:
            device = resolve_device(generator.device)
        except ValueError as exc:
            warnings.warn(
                f"{name} was saved with device={generator.device!r}, which is not "
                f"usable here ({exc}); it is loaded on the CPU.",
                UserWarning,
                stacklevel=5,
            )
            generator.device, device = "cpu", torch.device("cpu")
        with seeded_torch(0, device):
            net = generator._make_net(
                generator._build_module(),
                device,
                0,
                None,
                stored["batch_size"],
                stored.get("max_epochs"),  # absent from files of sk_tsgen 0.1
            )
            net.initialize()
        state = {
            key: torch.as_tensor(self.decode(array))
            for key, array in stored["weights"].items()
        }
        net.module_.load_state_dict(state)
        net.module_.eval()
        net.history = History(self.decode(stored["history"]))
        net.interrupted_at_ = stored["interrupted_at"]
        generator.net_ = net
