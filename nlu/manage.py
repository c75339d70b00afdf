"""Tooling for the NLU service (Rasa 3.6 in its own Python 3.10 virtual environment).

Standard library only, so it runs from the application's venv before anything else exists:

    .venv/bin/python -m nlu.manage ensure-venv     # create/refresh .venv-nlu when needed
    .venv/bin/python -m nlu.manage train           # retrain each language whose data or config changed
    NLU_TOKEN=... .venv/bin/python -m nlu.manage serve [--language en] [--port 5006]   # foreground
    .venv/bin/python -m nlu.manage eval [--language CODE] [--url URL]   # exit 1 below targets
    .venv/bin/python -m nlu.manage compare         # train + evaluate every nlu/pipelines/*.yml
    .venv/bin/python -m nlu.manage compare-languages   # one multilingual model vs one per language

Languages: French is nlu/data/ + nlu/test/heldout.yml (model nlu-<hash12>.tar.gz); every
folder nlu/lang/<code>/ with data/*.yml is another language (nlu/lang/<code>/heldout.yml,
its own config.yml if present, else the root one with `language: <code>`; model
nlu-<code>-<hash12>.tar.gz). Adding a language is adding such a folder: no code.

Python API (used by tests and the application launcher); `language` defaults to French:

    languages() -> list[str]                    # "fr" first, then nlu/lang/*/ in name order
    ensure_venv(force=False) -> Path            # python of .venv-nlu
    model_hash(language="fr") -> str            # hash of training data + config + requirements
    current_model(language="fr") -> Path | None # the language's model if it exists
    train(force=False, language=None) -> Path   # every language (None) or one; returns its model
                                                # (French's for None), trained only when missing
    ensure_model(language=None) -> Path         # ensure_venv() + train()
    start_server(port=5005, model=None, ..., token=None, language="fr") -> Popen  # proc.token
    stop_server(proc)                           # terminate the server's process group
    wait_ready(url, timeout, proc=None, token=None) -> None
    evaluate(url, path=None, token=None, language="fr") -> dict   # metrics, in plain Python
    format_report(result) -> str
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "nlu"
DATA_DIR = NLU_DIR / "data"
MODELS_DIR = NLU_DIR / "models"
PIPELINES_DIR = NLU_DIR / "pipelines"
HELDOUT = NLU_DIR / "test" / "heldout.yml"
LANG_DIR = NLU_DIR / "lang"
SOURCE = "fr"  # French: nlu/data/, nlu/test/heldout.yml, config.yml as is
CONFIG = ROOT / "config.yml"
REQUIREMENTS = NLU_DIR / "requirements.txt"
VENV = ROOT / ".venv-nlu"
STAMP = VENV / ".passerelle-requirements.sha256"

DEFAULT_PORT = 5005
DEFAULT_HOST = "127.0.0.1"

TARGETS = {
    "macro_f1": 0.90,
    "urgent_help_recall": 0.95,
    "opt_out_precision": 0.98,
    "delete_my_data_precision": 0.98,
}


def log(msg: str) -> None:
    print(f"[nlu] {msg}", flush=True)


# --------------------------------------------------------------------------- locking


@contextlib.contextmanager
def _lock(name: str):
    """Inter-process lock so that `make run` and a test session never train or install at once."""
    lock_dir = Path(tempfile.gettempdir()) / "passerelle-nlu-locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    with open(lock_dir / f"{name}-{key}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- environment


def rasa_env(extra: dict | None = None) -> dict:
    """Environment for every Rasa subprocess: no telemetry, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
            # the training cache only saves the cheap featurizers here; keep the disk clean
            "RASA_MAX_CACHE_SIZE": "0",
            "RASA_CACHE_DIRECTORY": str(MODELS_DIR / ".cache"),
        }
    )
    # the app venv's variables must not leak into the other interpreter
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env.pop("VIRTUAL_ENV", None)
    if extra:
        env.update(extra)
    return env


def find_python310() -> str:
    """A working Python 3.10 interpreter: pyenv's first, then python3.10 on PATH."""
    candidates: list[str] = []
    roots = []
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            roots.append(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    roots += [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv"), "/root/.pyenv"]
    for root in roots:
        if root:
            candidates += sorted(glob.glob(f"{root}/versions/3.10.*/bin/python3.10"), reverse=True)
    for name in ("python3.10",):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    candidates += ["/usr/bin/python3.10", "/usr/local/bin/python3.10"]
    seen = set()
    for cand in candidates:
        if cand in seen or not os.path.exists(cand):
            continue
        seen.add(cand)
        try:
            out = subprocess.run(
                [cand, "-c", "import sys, venv; print(sys.version_info[:2])"],
                capture_output=True, text=True, timeout=20,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip() == "(3, 10)":
            return cand
    raise RuntimeError(
        "Python 3.10 not found (looked in $(pyenv root)/versions/3.10.*/bin and PATH); "
        "Rasa 3.6 needs Python 3.8-3.10"
    )


def venv_python() -> Path:
    return VENV / "bin" / "python"


def rasa_bin() -> Path:
    return VENV / "bin" / "rasa"


def _requirements_hash() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def venv_is_current() -> bool:
    return (
        venv_python().exists()
        and rasa_bin().exists()
        and STAMP.exists()
        and STAMP.read_text().strip() == _requirements_hash()
    )


def ensure_venv(force: bool = False) -> Path:
    """Create .venv-nlu with Python 3.10 and install nlu/requirements.txt when missing or changed.

    A stamp file inside the venv holds the hash of the requirements that were installed.
    Returns the venv's python.
    """
    with _lock("venv"):
        if not force and venv_is_current():
            log(f"venv up to date: {VENV}")
            return venv_python()
        t0 = time.monotonic()
        if not venv_python().exists():
            py = find_python310()
            log(f"creating {VENV} with {py}")
            subprocess.run([py, "-m", "venv", str(VENV)], check=True)
        log(f"installing {REQUIREMENTS.relative_to(ROOT)} into {VENV.name} (a few minutes the first time)")
        pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run(pip + ["install", "-q", "-r", str(REQUIREMENTS)], check=True, env=rasa_env())
        check = subprocess.run(
            [str(venv_python()), "-c", "import rasa; print(rasa.__version__)"],
            capture_output=True, text=True, env=rasa_env(),
        )
        if check.returncode != 0:
            raise RuntimeError(f"rasa does not import in {VENV}: {check.stderr[-2000:]}")
        STAMP.write_text(_requirements_hash() + "\n")
        log(f"venv ready (rasa {check.stdout.strip()}) in {time.monotonic() - t0:.0f} s")
        return venv_python()


# --------------------------------------------------------------------------- languages


def languages() -> list[str]:
    """French first, then every nlu/lang/<code>/ holding training data, in name order."""
    found = []
    if LANG_DIR.is_dir():
        for folder in sorted(LANG_DIR.iterdir()):
            if folder.is_dir() and folder.name != SOURCE and _yaml_files(folder / "data"):
                found.append(folder.name)
    return [SOURCE, *found]


def _check(language: str) -> str:
    if language != SOURCE and not re.fullmatch(r"[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?", language):
        raise ValueError(f"bad language code: {language!r}")
    return language


def data_dir(language: str = SOURCE) -> Path:
    return DATA_DIR if _check(language) == SOURCE else LANG_DIR / language / "data"


def heldout_path(language: str = SOURCE) -> Path:
    return HELDOUT if _check(language) == SOURCE else LANG_DIR / language / "heldout.yml"


def config_text(language: str = SOURCE) -> str:
    """The pipeline a language trains with: its own config.yml, else the root one with
    its language code (the measured pipeline has no language-specific component)."""
    if _check(language) == SOURCE:
        return CONFIG.read_text(encoding="utf-8")
    own = LANG_DIR / language / "config.yml"
    if own.exists():
        return own.read_text(encoding="utf-8")
    text = CONFIG.read_text(encoding="utf-8")
    return re.sub(r"(?m)^language:.*$", f"language: {language}", text, count=1)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml"))


# --------------------------------------------------------------------------- training


def training_files(language: str = SOURCE) -> list[Path]:
    return _yaml_files(data_dir(language))


def model_hash(config: Path | None = None, language: str = SOURCE) -> str:
    """Hash of everything a language's model depends on: training data, config, requirements.

    French hashes exactly what it always did (config.yml, requirements, nlu/data/), so its
    model name does not change."""
    h = hashlib.sha256()
    if config is not None or language == SOURCE:
        config = config or CONFIG
        head = [(str(config.relative_to(ROOT) if config.is_relative_to(ROOT) else config.name),
                 config.read_bytes())]
    else:
        head = [(f"nlu/lang/{language}/config.yml", config_text(language).encode())]
    for path in [REQUIREMENTS, *training_files(language)]:
        head.append((str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name),
                     path.read_bytes()))
    for name, content in head:
        h.update(name.encode())
        h.update(b"\0")
        h.update(content)
        h.update(b"\0")
    return h.hexdigest()


def model_path_for(digest: str, language: str = SOURCE) -> Path:
    if _check(language) == SOURCE:
        return MODELS_DIR / f"nlu-{digest[:12]}.tar.gz"
    return MODELS_DIR / f"nlu-{language}-{digest[:12]}.tar.gz"


def _models_of(language: str) -> list[Path]:
    """Every model file of one language (French: nlu-<hex12>, others: nlu-<code>-<hex12>)."""
    if language == SOURCE:
        pattern = re.compile(r"nlu-[0-9a-f]{12}\.tar\.gz")
    else:
        pattern = re.compile(rf"nlu-{re.escape(language)}-[0-9a-f]{{12}}\.tar\.gz")
    return [p for p in MODELS_DIR.glob("nlu-*.tar.gz") if pattern.fullmatch(p.name)]


def current_model(language: str = SOURCE) -> Path | None:
    path = model_path_for(model_hash(language=language), language)
    return path if path.exists() else None


def trained_languages() -> list[str]:
    """The languages whose current model exists (what a server can be started for)."""
    return [code for code in languages() if current_model(code) is not None]


def _rasa_train(config: Path, out_dir: Path, name: str, extra_env: dict | None = None,
                nlu: Path | None = None) -> Path:
    cmd = [
        str(rasa_bin()), "train", "nlu",
        "--config", str(config),
        "--nlu", str(nlu or DATA_DIR),
        "--out", str(out_dir),
        "--fixed-model-name", name,
        "--quiet",
    ]
    proc = subprocess.run(cmd, cwd=str(out_dir), env=rasa_env(extra_env), capture_output=True, text=True)
    produced = out_dir / f"{name}.tar.gz"
    if proc.returncode != 0 or not produced.exists():
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise RuntimeError(f"rasa train nlu failed (exit {proc.returncode})")
    return produced


def _train_one(language: str, force: bool) -> Path:
    digest = model_hash(language=language)
    target = model_path_for(digest, language)
    if target.exists() and not force:
        log(f"[{language}] model up to date: {target.relative_to(ROOT)} (data + config unchanged)")
        return target
    if not rasa_bin().exists():
        raise RuntimeError(f"{rasa_bin()} missing: run `python -m nlu.manage ensure-venv` first")
    log(f"[{language}] training {target.relative_to(ROOT)} (data or config changed, or no model yet)")
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(dir=MODELS_DIR, prefix=".train-") as tmp:
        config = CONFIG
        if language != SOURCE:
            config = Path(tmp) / "config.yml"
            config.write_text(config_text(language), encoding="utf-8")
        produced = _rasa_train(config, Path(tmp), target.name[: -len(".tar.gz")],
                               nlu=data_dir(language))
        os.replace(produced, target)
    for old in _models_of(language):  # this language's older models only
        if old != target:
            old.unlink()
            log(f"[{language}] removed old model {old.name}")
    log(f"[{language}] trained in {time.monotonic() - t0:.0f} s -> {target.relative_to(ROOT)}")
    return target


def train(force: bool = False, language: str | None = None) -> Path:
    """Train each language (or only `language`) whose model file is missing.

    Keeps only each language's current model. Returns the model of `language` (French's
    when every language was trained). A language that fails to train does not stop the
    others; the error is raised once they are done."""
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    codes = languages() if language is None else [_check(language)]
    models: dict[str, Path] = {}
    failed: list[tuple[str, BaseException]] = []
    with _lock("train"):
        for code in codes:
            try:
                models[code] = _train_one(code, force)
            except Exception as error:  # noqa: BLE001 - the other languages still train
                log(f"[{code}] training failed: {error}")
                failed.append((code, error))
    if failed:
        raise RuntimeError("training failed for " + ", ".join(c for c, _ in failed)) \
            from failed[0][1]
    return models[language or SOURCE]


def ensure_model(language: str | None = None) -> Path:
    ensure_venv()
    return train(language=language)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((DEFAULT_HOST, 0))
        return s.getsockname()[1]


def default_token() -> str:
    """NLU_TOKEN from the environment, else a fresh random one (this run only)."""
    return os.environ.get("NLU_TOKEN", "").strip() or secrets.token_urlsafe(32)


def _post_json(url: str, payload: dict, timeout: float = 10.0, token: str | None = None) -> dict:
    if token:
        url += "?" + urllib.parse.urlencode({"token": token})
    req = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


def parse(url: str, text: str, timeout: float = 10.0, token: str | None = None) -> dict:
    return _post_json(url.rstrip("/") + "/model/parse", {"text": text}, timeout, token)


def is_ready(url: str, token: str | None = None) -> bool:
    try:
        return bool(parse(url, "bonjour", timeout=2.0, token=token).get("intent"))
    except (OSError, ValueError, urllib.error.URLError):
        return False


def wait_ready(url: str, timeout: float = 180.0, proc: subprocess.Popen | None = None,
               token: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Rasa server exited with code {proc.returncode} before being ready")
        if is_ready(url, token):
            return
        time.sleep(0.5)
    raise TimeoutError(f"Rasa server at {url} not ready after {timeout:.0f} s")


def start_server(
    port: int = DEFAULT_PORT,
    model: Path | None = None,
    host: str = DEFAULT_HOST,
    timeout: float = 180.0,
    log_file: Path | None = None,
    die_with_parent: bool = False,
    token: str | None = None,
    language: str = SOURCE,
) -> subprocess.Popen:
    """Start `rasa run --enable-api --auth-token` on host:port; return once /model/parse answers.

    Without a token the API (parse, and replacing the model) would be open to anything that
    reaches the port: the server requires `token` (default: default_token()) as the `token`
    query parameter, kept in proc.token.

    The process runs in its own process group; stop it with stop_server(proc).
    die_with_parent=True (Linux) also sends it SIGTERM if the calling thread dies, even by
    SIGKILL; use it only from a thread that lives as long as the server should (main thread).
    Its output goes to log_file (default nlu/models/server-<port>.log). The URL is proc.url.
    """
    model = model or current_model(language)
    if model is None:
        raise RuntimeError(f"no trained {language} model: run `python -m nlu.manage train` first")
    model = Path(model).resolve()
    if not model.exists():
        raise FileNotFoundError(model)
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    log_file = log_file or MODELS_DIR / f"server-{port}.log"
    for old in MODELS_DIR.glob("server-*.log"):  # logs of servers on other (test) ports
        with contextlib.suppress(OSError):
            if old != log_file and time.time() - old.stat().st_mtime > 3600:
                old.unlink()
    token = token or default_token()
    cmd = [
        # « --auth-token=X », not two arguments: a random token may begin with « - », which
        # argparse then takes for an option (the server refused to start, seen in CI).
        str(rasa_bin()), "run", "--enable-api", f"--auth-token={token}",
        "-m", str(model), "-i", host, "-p", str(port),
    ]
    out = open(log_file, "w")
    proc = subprocess.Popen(
        cmd, cwd=str(MODELS_DIR), env=rasa_env(), stdout=out, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, preexec_fn=_child_setup(die_with_parent),
    )
    out.close()
    url = f"http://{host}:{port}"
    proc.url = url  # type: ignore[attr-defined]
    proc.log_file = log_file  # type: ignore[attr-defined]
    proc.token = token  # type: ignore[attr-defined]
    proc.language = language  # type: ignore[attr-defined]
    try:
        wait_ready(url, timeout, proc, token)
    except BaseException:
        stop_server(proc)
        tail = log_file.read_text(errors="replace")[-3000:] if log_file.exists() else ""
        sys.stderr.write(tail)
        raise
    return proc


def _child_setup(die_with_parent: bool):
    def setup() -> None:
        os.setsid()
        if die_with_parent:
            try:
                import ctypes

                ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
            except (OSError, AttributeError):
                pass

    return setup


def stop_server(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


# --------------------------------------------------------------------------- held-out evaluation

_ANNOT = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def strip_annotations(text: str) -> str:
    return _ANNOT.sub(lambda m: m.group(1), text)


def read_examples(path: Path = HELDOUT) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file (the `- intent:` / `examples: |` subset)."""
    pairs: list[tuple[str, str]] = []
    intent = None
    in_examples = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = re.match(r"^-\s+intent:\s*(\S+)\s*$", stripped)
        if m and not line.startswith("      "):
            intent, in_examples = m.group(1), False
            continue
        if re.match(r"^-\s+\w+:", stripped) and not line.startswith("      "):
            intent, in_examples = None, False  # synonym/regex/lookup block
            continue
        if stripped.startswith("examples:"):
            in_examples = intent is not None
            continue
        if in_examples and stripped.startswith("- "):
            text = stripped[2:].strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
                text = text[1:-1]
            pairs.append((strip_annotations(text), intent))
    return pairs


def compute_metrics(gold: list[str], pred: list[str]) -> dict:
    labels = sorted(set(gold))
    per = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    confusions: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, pred):
        if g != p:
            confusions[(g, p)] = confusions.get((g, p), 0) + 1
    macro = sum(v["f1"] for v in per.values()) / len(per) if per else 0.0
    acc = sum(1 for g, p in zip(gold, pred) if g == p) / len(gold) if gold else 0.0
    return {
        "per_intent": per,
        "macro_f1": macro,
        "accuracy": acc,
        "confusions": sorted(((g, p, n) for (g, p), n in confusions.items()), key=lambda x: -x[2]),
    }


def check_targets(metrics: dict) -> dict:
    per = metrics["per_intent"]
    values = {
        "macro_f1": metrics["macro_f1"],
        "urgent_help_recall": per.get("urgent_help", {}).get("recall", 0.0),
        "opt_out_precision": per.get("opt_out", {}).get("precision", 0.0),
        "delete_my_data_precision": per.get("delete_my_data", {}).get("precision", 0.0),
    }
    return {k: {"value": v, "target": TARGETS[k], "ok": v >= TARGETS[k]} for k, v in values.items()}


def evaluate(url: str, path: Path | None = None, token: str | None = None,
             language: str = SOURCE) -> dict:
    """Send every held-out example to the running server's /model/parse and score the intents.

    path: the held-out set (default: the language's). token: the server's auth token
    (default NLU_TOKEN from the environment)."""
    token = token or os.environ.get("NLU_TOKEN", "").strip() or None
    examples = read_examples(path or heldout_path(language))
    gold, pred, errors, latencies = [], [], [], []
    for text, intent in examples:
        t0 = time.perf_counter()
        res = parse(url, text, token=token)
        latencies.append(time.perf_counter() - t0)
        top = (res.get("intent") or {}).get("name") or "None"
        conf = (res.get("intent") or {}).get("confidence") or 0.0
        gold.append(intent)
        pred.append(top)
        if top != intent:
            errors.append({"text": text, "gold": intent, "pred": top, "confidence": round(conf, 3)})
    metrics = compute_metrics(gold, pred)
    metrics["targets"] = check_targets(metrics)
    metrics["ok"] = all(t["ok"] for t in metrics["targets"].values())
    metrics["n"] = len(examples)
    metrics["language"] = language
    metrics["errors"] = errors
    lat = sorted(latencies)
    metrics["latency_ms_p50"] = 1000 * lat[len(lat) // 2] if lat else 0.0
    return metrics


def format_report(m: dict, show_errors: int = 25) -> str:
    lines = [f"held-out examples: {m['n']}", ""]
    if m.get("language"):
        lines = [f"== language {m['language']} ==", *lines]
    lines.append(f"{'intent':28} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}")
    for lab, v in m["per_intent"].items():
        lines.append(
            f"{lab:28} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:4d}"
        )
    lines.append("")
    lines.append(f"macro F1 {m['macro_f1']:.3f}   accuracy {m['accuracy']:.3f}   "
                 f"parse p50 {m['latency_ms_p50']:.0f} ms")
    lines.append("")
    lines.append("worst confusions (gold -> predicted: count):")
    for g, p, n in m["confusions"][:10]:
        lines.append(f"  {g} -> {p}: {n}")
    if not m["confusions"]:
        lines.append("  none")
    if show_errors and m["errors"]:
        lines.append("")
        lines.append("misclassified examples:")
        for e in m["errors"][:show_errors]:
            lines.append(f"  [{e['gold']} -> {e['pred']} {e['confidence']}] {e['text']}")
    lines.append("")
    lines.append("targets:")
    for k, t in m["targets"].items():
        lines.append(f"  {k:26} {t['value']:.3f} >= {t['target']:.2f}  {'OK' if t['ok'] else 'FAIL'}")
    lines.append("ALL TARGETS MET" if m["ok"] else "TARGETS NOT MET")
    return "\n".join(lines)


# --------------------------------------------------------------------------- pipeline comparison


def compare(pipelines: list[Path] | None = None) -> list[dict]:
    """Train each candidate pipeline in a temp dir (no cache), evaluate it on the held-out set."""
    ensure_venv()
    pipelines = pipelines or sorted(PIPELINES_DIR.glob("*.yml"))
    rows = []
    for cfg in pipelines:
        with tempfile.TemporaryDirectory(prefix="nlu-compare-") as tmp:
            tmp_path = Path(tmp)
            local_cfg = tmp_path / "config.yml"
            shutil.copy(cfg, local_cfg)
            log(f"training candidate {cfg.name}")
            t0 = time.monotonic()
            model = _rasa_train(local_cfg, tmp_path, "candidate",
                                {"RASA_MAX_CACHE_SIZE": "0",
                                 "RASA_CACHE_DIRECTORY": str(tmp_path / "cache")})
            train_s = time.monotonic() - t0
            port = free_port()
            proc = start_server(port, model, log_file=tmp_path / "server.log")
            try:
                m = evaluate(proc.url, token=proc.token)  # type: ignore[attr-defined]
            finally:
                stop_server(proc)
            per = m["per_intent"]
            row = {
                "pipeline": cfg.name,
                "macro_f1": m["macro_f1"],
                "accuracy": m["accuracy"],
                "urgent_recall": per["urgent_help"]["recall"],
                "opt_out_precision": per["opt_out"]["precision"],
                "delete_precision": per["delete_my_data"]["precision"],
                "train_s": train_s,
                "ok": m["ok"],
            }
            rows.append(row)
            log(f"{cfg.name}: macro F1 {row['macro_f1']:.3f}, train {train_s:.0f} s")
    print(format_table(rows))
    return rows


def format_table(rows: list[dict]) -> str:
    out = [
        "| pipeline | macro F1 | accuracy | urgent_help recall | opt_out precision "
        "| delete_my_data precision | train time | targets |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['pipeline']} | {r['macro_f1']:.3f} | {r['accuracy']:.3f} | {r['urgent_recall']:.3f} "
            f"| {r['opt_out_precision']:.3f} | {r['delete_precision']:.3f} | {r['train_s']:.0f} s "
            f"| {'met' if r['ok'] else 'missed'} |"
        )
    return "\n".join(out)


def format_summary(results: dict[str, dict | None]) -> str:
    """One line per language: the four targets, parse time, verdict (None: not evaluated)."""
    out = [
        f"{'language':9} {'n':>4} {'macro F1':>8} {'accuracy':>8} {'urgent rec':>10} "
        f"{'opt_out prec':>12} {'erase prec':>10} {'p50 ms':>6}  targets",
    ]
    for code, m in results.items():
        if m is None:
            out.append(f"{code:9} {'-':>4} {'no model or no held-out set':>60}  FAIL")
            continue
        t = m["targets"]
        out.append(
            f"{code:9} {m['n']:4d} {m['macro_f1']:8.3f} {m['accuracy']:8.3f} "
            f"{t['urgent_help_recall']['value']:10.3f} {t['opt_out_precision']['value']:12.3f} "
            f"{t['delete_my_data_precision']['value']:10.3f} {m['latency_ms_p50']:6.0f}  "
            f"{'met' if m['ok'] else 'MISSED'}")
    return "\n".join(out)


# --------------------------------------------------------------------------- languages compared


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants (VmRSS, kB)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo += [int(c) for c in children]
    return total


def _serve_and_measure(model: Path, codes: list[str], log_file: Path) -> dict:
    """Start a server on `model`, time its start, evaluate each language, read its memory."""
    t0 = time.monotonic()
    proc = start_server(free_port(), model, log_file=log_file)
    start_s = time.monotonic() - t0
    try:
        results = {code: evaluate(proc.url, token=proc.token, language=code)  # type: ignore[attr-defined]
                   for code in codes}
        rss_mb = _rss_kb(proc.pid) / 1024  # after the warm-up of every held-out parse
    finally:
        stop_server(proc)
    return {"start_s": start_s, "rss_mb": rss_mb, "results": results}


def compare_languages() -> dict:
    """One multilingual model on every language's data vs one model per language.

    Both are evaluated on each language's held-out set; each server's start time (until
    /model/parse answers) and resident memory after the evaluation are measured."""
    ensure_venv()
    codes = [c for c in languages() if heldout_path(c).exists()]
    per_language = {}
    for code in codes:
        model = train(language=code)
        with tempfile.TemporaryDirectory(prefix="nlu-lang-") as tmp:
            per_language[code] = _serve_and_measure(model, [code], Path(tmp) / "server.log")
        log(f"[{code}] own model: macro F1 {per_language[code]['results'][code]['macro_f1']:.3f}, "
            f"{per_language[code]['rss_mb']:.0f} MB, start {per_language[code]['start_s']:.0f} s")
    with tempfile.TemporaryDirectory(prefix="nlu-multi-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "data"
        data.mkdir()
        for code in codes:
            for path in training_files(code):
                shutil.copy(path, data / f"{code}-{path.name}")
        config = tmp_path / "config.yml"
        config.write_text(re.sub(r"(?m)^language:.*$", "language: xx", config_text()),
                          encoding="utf-8")
        log(f"training one multilingual model on {', '.join(codes)}")
        t0 = time.monotonic()
        model = _rasa_train(config, tmp_path, "multilingual",
                            {"RASA_CACHE_DIRECTORY": str(tmp_path / "cache")}, nlu=data)
        multi_train_s = time.monotonic() - t0
        multi = _serve_and_measure(model, codes, tmp_path / "server.log")
    multi["train_s"] = multi_train_s
    print(format_language_table(per_language, multi))
    return {"per_language": per_language, "multilingual": multi}


def format_language_table(per_language: dict, multi: dict) -> str:
    out = ["| language | model | macro F1 | urgent recall | opt_out prec | erase prec "
           "| targets | server RSS | start |",
           "|---|---|---|---|---|---|---|---|---|"]
    for code, own in per_language.items():
        for label, row, m in (("own", own, own["results"][code]),
                              ("multilingual", multi, multi["results"][code])):
            t = m["targets"]
            out.append(
                f"| {code} | {label} | {m['macro_f1']:.3f} | {t['urgent_help_recall']['value']:.3f} "
                f"| {t['opt_out_precision']['value']:.3f} | {t['delete_my_data_precision']['value']:.3f} "
                f"| {'met' if m['ok'] else 'missed'} | {row['rss_mb']:.0f} MB | {row['start_s']:.0f} s |")
    total = sum(own["rss_mb"] for own in per_language.values())
    out.append("")
    out.append(f"one server per language: {total:.0f} MB in all for {len(per_language)} languages; "
               f"one multilingual server: {multi['rss_mb']:.0f} MB "
               f"(trained in {multi['train_s']:.0f} s)")
    return "\n".join(out)


# --------------------------------------------------------------------------- CLI


def default_port(language: str = SOURCE) -> int:
    """5005 for French, then 5006, 5007... in the order of languages() (NLU_URLS may differ)."""
    codes = languages()
    return DEFAULT_PORT + (codes.index(language) if language in codes else len(codes))


def _serve(port: int | None, host: str, language: str = SOURCE) -> int:
    token = os.environ.get("NLU_TOKEN", "").strip()
    if not token:
        # A random token would lock out the application, which reads NLU_TOKEN too.
        print("NLU_TOKEN is not set: set the same value here and for the application.",
              file=sys.stderr)
        return 2
    model = ensure_model(language)
    port = port or default_port(language)

    def _term(signum, frame):  # noqa: ARG001 - turn SIGTERM/SIGHUP into a clean stop
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    proc = start_server(port, model, host=host, die_with_parent=True, token=token,
                        language=language)
    try:
        url = proc.url  # type: ignore[attr-defined]
        print(f"NLU service ({language}) ready at {url} (model {model.name}, log {proc.log_file})",  # type: ignore[attr-defined]
              flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_server(proc)


def _eval(url: str | None, as_json: bool, codes: list[str] | None = None) -> int:
    """Evaluates each language on its held-out set (a server started per language, one at a
    time, or the running one at `url` for the one language asked); exit 1 if any misses."""
    codes = codes or languages()
    if url and len(codes) != 1:
        print("--url evaluates one language: add --language CODE", file=sys.stderr)
        return 2
    results: dict[str, dict | None] = {}
    for code in codes:
        if not heldout_path(code).exists():
            log(f"[{code}] no held-out set {heldout_path(code).relative_to(ROOT)}")
            results[code] = None
            continue
        proc = None
        target = url
        if not target:
            proc = start_server(free_port(), ensure_model(code), language=code)
            target = proc.url  # type: ignore[attr-defined]
        try:
            results[code] = evaluate(target, token=proc.token if proc is not None else None,  # type: ignore[attr-defined]
                                     language=code)
        finally:
            if proc is not None:
                stop_server(proc)
        if not as_json:
            print(format_report(results[code]))
            print(flush=True)
    ok = all(m is not None and m["ok"] for m in results.values())
    if as_json:
        out = {code: (dict(m, confusions=[list(c) for c in m["confusions"]]) if m else None)
               for code, m in results.items()}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print("summary (targets: macro F1 >= 0.90, urgent recall >= 0.95, opt_out and erasure "
              "precision >= 0.98)")
        print(format_summary(results))
        print("ALL LANGUAGES MEET THE TARGETS" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nlu.manage", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ensure-venv", help="create/refresh .venv-nlu (Python 3.10 + rasa)")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("train", help="train the model if data or config.yml changed")
    p.add_argument("--force", action="store_true")
    p.add_argument("--language", default=None, help="only this language (default: every one)")
    p = sub.add_parser("serve", help="run one language's NLU server in the foreground")
    p.add_argument("--language", default=SOURCE, help="language code (default fr)")
    env_port = os.environ.get("NLU_PORT")
    p.add_argument("--port", type=int, default=int(env_port) if env_port else None,
                   help="default: 5005 for French, 5006... for the others (nlu.manage default_port)")
    p.add_argument("--host", default=DEFAULT_HOST)
    p = sub.add_parser("eval", help="held-out evaluation of every language (or one)")
    p.add_argument("--url", default=None, help="a running server of --language; default: start one")
    p.add_argument("--language", action="append", default=None,
                   help="language code, repeatable (default: every language)")
    p.add_argument("--json", action="store_true")
    sub.add_parser("compare", help="train and evaluate every nlu/pipelines/*.yml (French)")
    sub.add_parser("compare-languages",
                   help="one multilingual model vs one model per language: accuracy, memory, start")
    sub.add_parser("hash", help="print each language's data+config hash and model path")
    args = ap.parse_args(argv)

    if args.cmd == "ensure-venv":
        ensure_venv(force=args.force)
        return 0
    if args.cmd == "train":
        ensure_venv()
        train(force=args.force, language=args.language)
        return 0
    if args.cmd == "serve":
        return _serve(args.port, args.host, _check(args.language))
    if args.cmd == "eval":
        return _eval(args.url, args.json, [_check(c) for c in args.language or []] or None)
    if args.cmd == "compare":
        rows = compare()
        return 0 if rows else 1
    if args.cmd == "compare-languages":
        compare_languages()
        return 0
    if args.cmd == "hash":
        for code in languages():
            digest = model_hash(language=code)
            print(code, digest, model_path_for(digest, code).relative_to(ROOT),
                  "present" if current_model(code) else "missing")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
