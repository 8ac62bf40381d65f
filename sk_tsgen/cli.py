"""The ``sk-tsgen`` command: fit a generator on a CSV or Parquet file of series,
then sample, score, impute and report from the saved model.

Files are in long layout: one row per time step, one column per channel, an
optional time column and an optional column of series ids. Every user error
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import ast
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

MODELS = {
    "dense_vae": "DenseVAE",
    "conv_vae": "ConvVAE",
    "recurrent_autoencoder": "RecurrentAutoencoder",
    "vaegan": "VAEGAN",
    "transformer_gan": "TransformerGAN",
    "diffusion": "DiffusionGenerator",
}
DATASETS = {
    "stocks": "daily prices and volume of AAPL, IBM and MSFT, 2000-2013 "
    "(columns ticker, date, ...)",
    "sand_point": "a year of hourly weather at Sand Point, Alaska (column time, ...)",
    "seattle_temperature": "hourly temperature in Seattle, 2010 (columns time, "
    "temperature)",
}


class UserError(Exception):
    """An error in the user's files or flags: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not the usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------- helpers
def _model_class(name: str):
    import sk_tsgen

    key = name.strip().lower().replace("-", "_")
    by_class = {cls.lower(): cls for cls in MODELS.values()}
    cls = MODELS.get(key) or by_class.get(key.replace("_", ""))
    if cls is None:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}.")
    return getattr(sk_tsgen, cls)


def _value(text: str):
    """A --set value: a Python literal (3, 0.5, None, True, (64, 64)) or a
    string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _generator(model: str, settings: Sequence[str], seed):
    generator = _model_class(model)()
    params = {}
    for setting in settings:
        name, sep, text = setting.partition("=")
        if not sep or not name:
            raise UserError(f"--set takes PARAM=VALUE; got {setting!r}.")
        params[name.strip()] = _value(text.strip())
    valid = generator.get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise UserError(
            f"{type(generator).__name__} has no parameter {', '.join(unknown)}; "
            f"its parameters are {', '.join(sorted(valid))}."
        )
    if seed is not None and "random_state" not in params:
        params["random_state"] = seed
    if "verbose" not in params and sys.stderr.isatty():
        params["verbose"] = 1  # skorch's progress bar
    generator.set_params(**params)
    return generator


def _window_length(text: str):
    if text == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer or 'auto', not {text!r}"
        ) from None


def _positive_or_auto(text: str):
    return "auto" if text == "auto" else _positive(text)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _load_model(path: str):
    from .persistence import load
    from .tables import TableGenerator

    if not Path(path).is_file():
        raise UserError(f"{path}: no such model file.")
    try:
        model = load(path)
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise UserError(f"{path}: not an sk_tsgen model file ({exc}).") from None
    if not isinstance(model, TableGenerator) or not hasattr(model, "generator_"):
        raise UserError(
            f"{path} holds a {type(model).__name__}, not a model written by "
            "'sk-tsgen fit'."
        )
    return model


def _read(path: str, missing_values: list[str] | None = None):
    from .tables import read_table

    return read_table(path, missing_values=missing_values)


def _write(table, path: str) -> None:
    from .tables import write_table

    write_table(table, path)


def _log_channels(text: str):
    """``--log-channels``: "auto", "none" or channel names, comma-separated."""
    if text.strip().lower() in ("auto", "none"):
        return None if text.strip().lower() == "none" else "auto"
    return _names(text)


def _between(text: str):
    """``--between``: "auto", "none" or ``C=LOW:HIGH`` items, comma-separated."""
    if text.strip().lower() in ("auto", "none"):
        return None if text.strip().lower() == "none" else "auto"
    out = {}
    for item in _names(text):
        member, _, bounds = item.partition("=")
        low, _, high = bounds.partition(":")
        if not (member.strip() and low.strip() and high.strip()):
            raise argparse.ArgumentTypeError(
                f"{item!r} is not CHANNEL=LOW:HIGH (such as Open=Low:High)"
            )
        out[member.strip()] = (low.strip(), high.strip())
    return out


def _missing_values_flag(command) -> None:
    command.add_argument(
        "--missing-values",
        type=_names,
        metavar="TEXT,TEXT",
        help="cells that mark a missing value besides empty ones, such as nil "
        "(--missing-values=-999 for one that starts with a minus)",
    )


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected comma-separated values")
    return names


def _say(args, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)


# --------------------------------------------------------------- commands
def _fit(args) -> None:
    from .persistence import save
    from .tables import TableGenerator

    generator = _generator(args.model, args.set, args.seed)
    table = _read(args.data, args.missing_values)
    model = TableGenerator(
        generator,
        window_length=args.window_length,
        step=args.step,
        time_column=args.time_column,
        id_column=args.id_column,
        log_channels=args.log_channels,
        between=args.between,
        random_state=args.seed,
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.fit(table)
    save(model, args.out)
    _say(
        args,
        f"fitted {type(model.generator_).__name__} on "
        f"{len(model.series_ids_)} series "
        f"(windows of {model.window_length_} steps"
        + (f", time step {model.freq_.freqstr}" if model.freq_ is not None else "")
        + ")"
        + "".join(
            f"; {m} kept between {lo} and {hi}"
            for m, (lo, hi) in model.between_.items()
        )
        + f"; wrote {args.out}",
    )


def _sample(args) -> None:
    model = _load_model(args.model)
    table = model.sample(
        args.n, length=args.length, start=args.start, random_state=args.seed
    )
    _write(table, args.out)
    _say(args, f"wrote {args.n} series of {len(table) // args.n} steps to {args.out}")


def _score(args) -> None:
    model = _load_model(args.model)
    scores = model.score_table(_read(args.data, args.missing_values))
    _write(scores, args.out)
    _say(args, f"wrote {len(scores)} scores to {args.out}")


def _impute(args) -> None:
    model = _load_model(args.model)
    table = _read(args.data, args.missing_values)
    filled = model.impute_table(
        table, n_imputations=args.n_imputations, random_state=args.seed
    )
    _write(filled, args.out)
    n_missing = int(table[model._channel_keys].isna().to_numpy().sum())
    _say(args, f"filled {n_missing} missing values; wrote {args.out}")


def _report(args) -> None:
    from .report import write_report

    model = _load_model(args.model)
    page = write_report(
        model, _read(args.data, args.missing_values), args.out, random_state=args.seed
    )
    _say(args, f"wrote {page}")


def _data(args) -> None:
    from . import datasets

    if args.name == "stocks":
        frames = []
        for ticker in ("AAPL", "IBM", "MSFT"):
            prices = datasets.load_stocks(ticker).reset_index()
            prices.insert(0, "ticker", ticker)
            frames.append(prices)
        import pandas as pd

        table = pd.concat(frames, ignore_index=True)
        table["Volume"] = table["Volume"].astype("int64")
    elif args.name == "sand_point":
        table = datasets.load_sand_point_weather().rename_axis("time").reset_index()
    else:
        temperature = datasets.load_seattle_temperature()
        table = temperature.rename("temperature").rename_axis("time").reset_index()
    _write(table, args.out)
    _say(args, f"wrote {len(table)} rows of {args.name} to {args.out}")


# ----------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sk-tsgen``."""
    parser = _Parser(
        prog="sk-tsgen",
        description="Deep generative models for time series in CSV and Parquet "
        "files: fit, then sample, score, impute and report.",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )

    fit = commands.add_parser(
        "fit",
        help="fit a generator on a file of series and save it",
        description="Fit a generator on the windows of every series in DATA and "
        "save it to MODEL (a NumPy archive that loads without running code). With "
        "a time column, the model learns when each window starts and samples "
        "get a time column.",
        epilog=f"models: {', '.join(MODELS)}",
    )
    _missing_values_flag(fit)
    fit.add_argument("data", metavar="DATA", help="CSV or Parquet file, long layout")
    fit.add_argument(
        "--model", default="dense_vae", help="generator (default dense_vae)"
    )
    fit.add_argument(
        "--out", required=True, metavar="MODEL", help="model file to write"
    )
    fit.add_argument(
        "--window-length",
        type=_window_length,
        default="auto",
        metavar="N",
        help="steps per window (default auto: three seasons of the time step)",
    )
    fit.add_argument(
        "--step",
        type=_positive_or_auto,
        default="auto",
        metavar="N",
        help="steps between windows (default auto: 1, or more to keep the "
        "windows to about 10,000)",
    )
    fit.add_argument("--time-column", metavar="C", help="column of timestamps")
    fit.add_argument("--id-column", metavar="C", help="column of series ids")
    fit.add_argument(
        "--log-channels",
        type=_log_channels,
        default="auto",
        metavar="auto|none|C,C",
        help="channels modelled as their logarithms (default auto: positive "
        "channels spanning ten times or more)",
    )
    fit.add_argument(
        "--between",
        type=_between,
        default="auto",
        metavar="auto|none|C=LOW:HIGH,...",
        help="channels kept between two others, such as Open=Low:High,"
        "Close=Low:High (default auto: those that lie between two others in "
        "every row)",
    )
    fit.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PARAM=VALUE",
        help="a generator parameter, such as max_epochs=200 (repeatable)",
    )
    fit.add_argument("--seed", type=int, help="random seed")
    fit.set_defaults(run=_fit)

    sample = commands.add_parser(
        "sample",
        help="write synthetic series",
        description="Write N synthetic series to FILE: a 'series' column, the "
        "time column when the model knows the calendar, and the channels.",
    )
    sample.add_argument("model", metavar="MODEL")
    sample.add_argument("-n", type=_positive, required=True, metavar="N", help="series")
    sample.add_argument("--out", required=True, metavar="FILE")
    sample.add_argument(
        "--length",
        type=_positive,
        metavar="N",
        help="steps per series (default a window)",
    )
    sample.add_argument(
        "--start",
        metavar="TIMESTAMP",
        help="when the series start (default: one step after the data)",
    )
    sample.add_argument("--seed", type=int)
    sample.set_defaults(run=_sample)

    score = commands.add_parser(
        "score",
        help="score every window and every time step (higher = more normal)",
        description="Write one row per time step of DATA: its id and time, "
        "'window_score' (the window starting there) and 'point_score'.",
    )
    score.add_argument("model", metavar="MODEL")
    _missing_values_flag(score)
    score.add_argument("data", metavar="DATA")
    score.add_argument("--out", required=True, metavar="FILE")
    score.set_defaults(run=_score)

    impute = commands.add_parser(
        "impute",
        help="fill the missing values of a file",
        description="Write DATA with its empty cells filled by the model's "
        "imputations given the observed values.",
    )
    impute.add_argument("model", metavar="MODEL")
    _missing_values_flag(impute)
    impute.add_argument("data", metavar="DATA")
    impute.add_argument("--out", required=True, metavar="FILE")
    impute.add_argument("--n-imputations", type=_positive, default=8, metavar="K")
    impute.add_argument("--seed", type=int)
    impute.set_defaults(run=_impute)

    report = commands.add_parser(
        "report",
        help="write a fidelity report (table, PNG pictures, one HTML page)",
        description="Compare the model's windows with DATA's: fidelity.csv, "
        "PNG pictures and index.html in the folder DIR.",
    )
    report.add_argument("model", metavar="MODEL")
    _missing_values_flag(report)
    report.add_argument("data", metavar="DATA")
    report.add_argument("--out", required=True, metavar="DIR")
    report.add_argument("--seed", type=int, default=0)
    report.set_defaults(run=_report)

    data = commands.add_parser(
        "data",
        help="write a dataset that ships with the dependencies",
        description="Write a dataset as a long-layout file: "
        + "; ".join(f"{k}: {v}" for k, v in DATASETS.items()),
    )
    data.add_argument("name", choices=sorted(DATASETS), metavar="NAME")
    data.add_argument("--out", required=True, metavar="FILE")
    data.set_defaults(run=_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sk-tsgen`` with ``argv`` (the command line by default).

    Returns
    -------
    status : int
        0 on success, 2 on a user error (after one line on stderr).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0), or a bad flag (2, one line)
        return int(exc.code or 0)
    formatwarning = warnings.formatwarning
    try:
        with warnings.catch_warnings():
            if args.quiet:
                warnings.simplefilter("ignore")
            else:
                warnings.simplefilter("once", ConvergenceWarning)
                warnings.formatwarning = _one_line_warning
            args.run(args)
    except (UserError, ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"sk-tsgen {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sk-tsgen {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = formatwarning
    return 0


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    return f"sk-tsgen: {category.__name__}: {' '.join(str(message).split())}\n"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
