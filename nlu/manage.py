"""Tooling for the NLU service (Rasa 3.6 in its own Python 3.10 virtual environment).

Standard library only, so it runs from the application's venv before anything else exists:

    .venv/bin/python -m nlu.manage ensure-venv     # create/refresh .venv-nlu when needed
    .venv/bin/python -m nlu.manage train           # retrain only if data or config.yml changed
    NLU_TOKEN=... .venv/bin/python -m nlu.manage serve [--port 5005]   # foreground, Ctrl-C stops
    .venv/bin/python -m nlu.manage eval [--url URL]      # held-out evaluation, exit 1 below targets
    .venv/bin/python -m nlu.manage compare         # train + evaluate every nlu/pipelines/*.yml

Python API (used by tests and the application launcher):

    ensure_venv(force=False) -> Path            # python of .venv-nlu
    model_hash() -> str                         # hash of training data + config.yml + requirements
    current_model() -> Path | None              # nlu/models/nlu-<hash12>.tar.gz if it exists
    train(force=False) -> Path                  # the model, trained only when missing
    ensure_model() -> Path                      # ensure_venv() + train()
    start_server(port=5005, model=None, ..., token=None) -> Popen  # once it answers; proc.token
    stop_server(proc)                           # terminate the server's process group
    wait_ready(url, timeout, proc=None, token=None) -> None
    evaluate(url, path=HELDOUT, token=None) -> dict         # metrics, computed in plain Python
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


# --------------------------------------------------------------------------- training


def training_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml"))


def model_hash(config: Path = CONFIG) -> str:
    """Hash of everything the model depends on: training data, config.yml, requirements."""
    h = hashlib.sha256()
    for path in [config, REQUIREMENTS, *training_files()]:
        h.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def model_path_for(digest: str) -> Path:
    return MODELS_DIR / f"nlu-{digest[:12]}.tar.gz"


def current_model() -> Path | None:
    path = model_path_for(model_hash())
    return path if path.exists() else None


def _rasa_train(config: Path, out_dir: Path, name: str, extra_env: dict | None = None) -> Path:
    cmd = [
        str(rasa_bin()), "train", "nlu",
        "--config", str(config),
        "--nlu", str(DATA_DIR),
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


def train(force: bool = False) -> Path:
    """Train into nlu/models/nlu-<hash12>.tar.gz unless that model already exists.

    Keeps only the current model. Returns its path.
    """
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    with _lock("train"):
        digest = model_hash()
        target = model_path_for(digest)
        if target.exists() and not force:
            log(f"model up to date: {target.relative_to(ROOT)} (data + config.yml unchanged)")
            return target
        if not rasa_bin().exists():
            raise RuntimeError(f"{rasa_bin()} missing: run `python -m nlu.manage ensure-venv` first")
        log(f"training {target.relative_to(ROOT)} (data or config.yml changed, or no model yet)")
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(dir=MODELS_DIR, prefix=".train-") as tmp:
            produced = _rasa_train(CONFIG, Path(tmp), target.name[: -len(".tar.gz")])
            os.replace(produced, target)
        for old in MODELS_DIR.glob("*.tar.gz"):
            if old != target:
                old.unlink()
                log(f"removed old model {old.name}")
        log(f"trained in {time.monotonic() - t0:.0f} s -> {target.relative_to(ROOT)}")
        return target


def ensure_model() -> Path:
    ensure_venv()
    return train()


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
    model = model or current_model()
    if model is None:
        raise RuntimeError("no trained model: run `python -m nlu.manage train` first")
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
        str(rasa_bin()), "run", "--enable-api", "--auth-token", token,
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


def evaluate(url: str, path: Path = HELDOUT, token: str | None = None) -> dict:
    """Send every held-out example to the running server's /model/parse and score the intents.

    token: the server's auth token (default NLU_TOKEN from the environment)."""
    token = token or os.environ.get("NLU_TOKEN", "").strip() or None
    examples = read_examples(path)
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
    metrics["errors"] = errors
    lat = sorted(latencies)
    metrics["latency_ms_p50"] = 1000 * lat[len(lat) // 2] if lat else 0.0
    return metrics


def format_report(m: dict, show_errors: int = 25) -> str:
    lines = [f"held-out examples: {m['n']}", ""]
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


# --------------------------------------------------------------------------- CLI


def _serve(port: int, host: str) -> int:
    token = os.environ.get("NLU_TOKEN", "").strip()
    if not token:
        # A random token would lock out the application, which reads NLU_TOKEN too.
        print("NLU_TOKEN is not set: set the same value here and for the application.",
              file=sys.stderr)
        return 2
    model = ensure_model()

    def _term(signum, frame):  # noqa: ARG001 - turn SIGTERM/SIGHUP into a clean stop
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    proc = start_server(port, model, host=host, die_with_parent=True, token=token)
    try:
        url = proc.url  # type: ignore[attr-defined]
        print(f"NLU service ready at {url} (model {model.name}, log {proc.log_file})",  # type: ignore[attr-defined]
              flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_server(proc)


def _eval(url: str | None, as_json: bool) -> int:
    proc = None
    if not url:
        model = ensure_model()
        proc = start_server(free_port(), model)
        url = proc.url  # type: ignore[attr-defined]
    try:
        m = evaluate(url, token=proc.token if proc is not None else None)  # type: ignore[attr-defined]
    finally:
        if proc is not None:
            stop_server(proc)
    if as_json:
        m = dict(m, confusions=[list(c) for c in m["confusions"]])
        print(json.dumps(m, indent=2, ensure_ascii=False))
    else:
        print(format_report(m))
    return 0 if m["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nlu.manage", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ensure-venv", help="create/refresh .venv-nlu (Python 3.10 + rasa)")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("train", help="train the model if data or config.yml changed")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("serve", help="run the NLU server in the foreground")
    p.add_argument("--port", type=int, default=int(os.environ.get("NLU_PORT", DEFAULT_PORT)))
    p.add_argument("--host", default=DEFAULT_HOST)
    p = sub.add_parser("eval", help="held-out evaluation against a running server")
    p.add_argument("--url", default=None, help="server URL; default: start one on a free port")
    p.add_argument("--json", action="store_true")
    sub.add_parser("compare", help="train and evaluate every nlu/pipelines/*.yml")
    sub.add_parser("hash", help="print the current data+config hash and model path")
    args = ap.parse_args(argv)

    if args.cmd == "ensure-venv":
        ensure_venv(force=args.force)
        return 0
    if args.cmd == "train":
        ensure_venv()
        train(force=args.force)
        return 0
    if args.cmd == "serve":
        return _serve(args.port, args.host)
    if args.cmd == "eval":
        return _eval(args.url, args.json)
    if args.cmd == "compare":
        rows = compare()
        return 0 if rows else 1
    if args.cmd == "hash":
        digest = model_hash()
        print(digest, model_path_for(digest).relative_to(ROOT), "present" if current_model() else "missing")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
