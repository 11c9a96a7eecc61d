"""The inference plan of a saved model (skgenre.inference._plan) against the pipeline itself."""

import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from skgenre import ModelFileError
from skgenre._persist import load_model, save_model
from skgenre.inference._library import song_rows
from skgenre.inference._plan import export_plan, load_plan
from skgenre.inference._songs import song_judge

KINDS = [(kind, preset) for kind in ("feature", "spec-dense", "cnn")
         for preset in ("paper", "tuned")]
# What `skgenre predict` with a plan must not import: the cold start is NumPy and the file.
HEAVY = ["sklearn", "pandas", "joblib", "skops", "keras", "tensorflow", "scikeras",
         "scipy.stats", "librosa"]


def _factory(kind):
    from skgenre.pipelines import MODEL_KINDS

    return MODEL_KINDS[kind]


@pytest.fixture(scope="module")
def sample(gtzan_dir):
    files = sorted(str(p) for p in (gtzan_dir / "sample").rglob("*") if p.is_file())
    return files, [p.split("/")[-2] for p in files]


@pytest.fixture(scope="module")
def saved(sample, tmp_path_factory):
    """kind, preset -> (model file, the pipeline loaded whole)."""
    files, y = sample
    out = {}
    tmp = tmp_path_factory.mktemp("plans")
    for kind, preset in KINDS:
        # Trained, not good: the plan must compute what the weights give, whatever they are.
        pipe = _factory(kind)(preset, random_state=0, epochs=1, precision="float32")
        pipe.fit(files, y)
        path = save_model(pipe, tmp / f"{kind}-{preset}.skgenre")
        out[kind, preset] = path, load_model(path)
    return out


# scikit-learn 1.6's StandardScaler subtracts in float64, the plan (and 1.7+) in float32:
# probabilities then differ by about 1e-6 (equal otherwise, in the tests' newest world).
ATOL = 1e-5


def _assert_same_rows(got, expected, atol=ATOL):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.keys() == e.keys()
        for key in e:
            if key.startswith("proba_") or key == "unknown_score":
                assert abs(g[key] - e[key]) <= atol, (key, g[key], e[key])
            elif key == "top_k":
                assert [t for t, _ in g[key]] == [t for t, _ in e[key]]
                np.testing.assert_allclose([p for _, p in g[key]], [p for _, p in e[key]],
                                           rtol=0, atol=atol)
            else:
                assert g[key] == e[key], key


@pytest.mark.parametrize("kind, preset", KINDS)
def test_plan_gives_the_rows_of_the_pipeline(kind, preset, saved, sample):
    path, pipe = saved[kind, preset]
    plan = load_plan(path)
    assert plan is not None
    np.testing.assert_array_equal(plan.classes_, pipe.classes_)
    files, _ = sample
    for segments in (False, True):
        ours = plan.song_judge(segments=segments, max_duration=20.0)
        theirs = song_judge(pipe, segments=segments, max_duration=20.0)
        for f in files:
            _assert_same_rows(song_rows(ours, f), song_rows(theirs, f))
    # the clip model itself, on real clips: the probabilities of predict_proba
    clips = pipe[:2].transform(files)
    np.testing.assert_allclose(plan.predict_proba(clips), pipe[2:].predict_proba(clips),
                               rtol=0, atol=ATOL)


def test_plan_of_an_unreadable_song_is_its_error(saved, tmp_path):
    path, pipe = saved["feature", "tuned"]
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav file")
    quiet = tmp_path / "quiet.wav"
    import soundfile as sf

    sf.write(quiet, np.zeros(22050 * 6, dtype=np.float32), 22050)
    for f in (bad, quiet, tmp_path / "missing.wav"):
        got = song_rows(load_plan(path).song_judge(), str(f))
        assert got == song_rows(song_judge(pipe), str(f))
        assert got[0]["error"]


def test_pipelines_the_plan_does_not_compute_get_none(saved, sample):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from skgenre import AudioLoader, FeatureExtractor26, OpenSetClassifier, RandomClip

    _, pipe = saved["feature", "paper"]
    files, y = sample
    never = lambda net: 0  # noqa: E731 (every network would be found)
    # a classifier of scikit-learn's
    lr = Pipeline([("load", AudioLoader()), ("clip", RandomClip(random_state=0)),
                   ("features", FeatureExtractor26()),
                   ("classifier", LogisticRegression(max_iter=50))]).fit(files, y)
    assert export_plan(lr, never) is None
    # noise at predict time: random, the pipeline's own
    noisy = pipe.set_params(noise__rate=0.25)
    try:
        assert export_plan(noisy, never) is None
    finally:
        pipe.set_params(noise__rate=0.0)
    assert export_plan(pipe, never) is not None
    assert export_plan(pipe, lambda net: None) is None  # its network is not in the file
    # an open-set head answers "unknown": the full path computes that
    head = OpenSetClassifier(LogisticRegression(max_iter=50), cv=2)
    assert export_plan(Pipeline(pipe.steps[:-1] + [("classifier", head)]), never) is None
    assert export_plan(lr[-1], never) is None  # not a pipeline at all



@pytest.mark.parametrize("scaler, after_fit", [
    ({"with_mean": False}, {}),
    ({}, {"scale__with_mean": False}),  # scikit-learn reads the flag at transform
    ({"with_std": False}, {}),
])
def test_plan_of_a_standard_scaler_applies_what_its_flags_say(sample, tmp_path, scaler,
                                                              after_fit):
    # StandardScaler(with_mean=False) keeps a fitted mean_ that transform does not subtract
    from sklearn.preprocessing import StandardScaler

    files, y = sample
    pipe = _factory("feature")("paper", random_state=0, epochs=1, precision="float32")
    pipe.set_params(scale=StandardScaler(**scaler)).fit(files, y).set_params(**after_fit)
    plan = load_plan(save_model(pipe, tmp_path / "std.skgenre"))
    clips = pipe[:2].transform(files)
    np.testing.assert_allclose(plan.predict_proba(clips), pipe[2:].predict_proba(clips),
                               rtol=0, atol=ATOL)


def test_no_plan_for_a_standard_scaler_whose_flag_was_set_after_fit(sample):
    # with_std=True on a scaler fitted without: its transform fails, so must the model
    from sklearn.preprocessing import StandardScaler

    files, y = sample
    pipe = _factory("feature")("paper", random_state=0, epochs=1, precision="float32")
    pipe.set_params(scale=StandardScaler(with_std=False)).fit(files, y)
    assert export_plan(pipe, lambda net: 0) is not None
    pipe.set_params(scale__with_std=True)
    assert export_plan(pipe, lambda net: 0) is None

def _rewrite(path, out, edit):
    """Copy a model file with ``edit(members) -> members`` applied to its members."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members = edit(members)
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _edit_json(member, change):
    """An edit of a model file's members that applies ``change`` to JSON ``member``."""
    def edit(members):
        content = json.loads(members[member])
        change(content)
        members[member] = json.dumps(content).encode()
        return members

    return edit


def _edit_plan(change):
    return _edit_json("plan.json", change)


def _edit_manifest(change):
    return _edit_json("skgenre-model.json", change)


def _without_plan(members):
    members = _edit_manifest(lambda m: m.pop("plan"))(members)
    return {n: b for n, b in members.items() if n == "skgenre-model.json" or not (
        n == "plan.json" or n.startswith("plan/"))}


def test_a_file_without_a_plan_or_with_a_newer_one_is_loaded_whole(saved, tmp_path, sample):
    path, _ = saved["feature", "tuned"]
    old = _rewrite(path, tmp_path / "old.skgenre", _without_plan)
    assert load_plan(old) is None
    newer = _rewrite(path, tmp_path / "newer.skgenre",
                     _edit_plan(lambda spec: spec.update(format=99)))
    assert load_plan(newer) is None
    files, _ = sample
    from skgenre.cli import main

    for model in (old, newer):
        assert main(["predict", str(model), files[0], "--json"]) == 0


@pytest.mark.parametrize("change, match", [
    (lambda s: s["ops"].append({"op": "rm -rf"}), "unknown operation 'rm -rf'"),
    (lambda s: s["ops"][0].update(function="os.system"), "KeyError: 'os.system'"),
    (lambda s: s["ops"][-1].update(mean="99"), "array '99'"),
    (lambda s: s["clip"].update(n_samples=-5), "positive int, got -5"),
    (lambda s: s["network"].update(index=7), "names a network the file does not hold"),
    (lambda s: s.pop("classes"), "KeyError: 'classes'"),
    (lambda s: s["ops"][0]["params"].update(shell="rm"), "unexpected keyword argument 'shell'"),
])
def test_a_damaged_plan_is_a_model_file_error(saved, tmp_path, change, match, sample, capsys):
    path, _ = saved["feature", "tuned"]
    bad = _rewrite(path, tmp_path / "bad.skgenre", _edit_plan(change))
    with pytest.raises(ModelFileError, match=match) as info:
        load_plan(bad)
    assert str(bad) in str(info.value) and "inference plan" in str(info.value)
    from skgenre.cli import main

    assert main(["predict", str(bad), sample[0][0]]) == 2
    assert "inference plan" in capsys.readouterr().err


def test_a_manifest_naming_a_plan_that_is_not_there_is_damage(saved, tmp_path):
    path, _ = saved["feature", "tuned"]
    for plan in ("missing.json", ["plan.json"]):
        bad = _rewrite(path, tmp_path / "m.skgenre",
                       _edit_manifest(lambda m, plan=plan: m.update(plan=plan)))
        for load in (load_plan, load_model):
            with pytest.raises(ModelFileError, match="manifest names missing members"):
                load(bad)


def test_a_plan_array_that_is_a_pickle_is_refused(saved, tmp_path):
    path, _ = saved["feature", "tuned"]

    def pickled(members):
        buf = io.BytesIO()
        np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        members["plan/0.npy"] = buf.getvalue()
        return members

    with pytest.raises(ModelFileError, match=r"plan/0.npy is not an array"):
        load_plan(_rewrite(path, tmp_path / "p.skgenre", pickled))

    def cut(members):
        members["plan/0.npy"] = members["plan/0.npy"][:-7]
        return members

    with pytest.raises(ModelFileError, match=r"plan/0.npy is not an array"):
        load_plan(_rewrite(path, tmp_path / "c.skgenre", cut))


def test_a_plan_array_whose_header_declares_more_than_it_holds_is_refused(saved, tmp_path):
    # np.load allocates what the header declares before finding the data missing
    path, _ = saved["feature", "tuned"]

    def huge(members):
        header = members["plan/0.npy"]
        members["plan/0.npy"] = header.replace(
            re.search(rb"'shape': \([0-9, ]*\)", header).group(),
            b"'shape': (1099511627776,)")
        return members

    with pytest.raises(ModelFileError, match=r"declares \(1099511627776,\) .* do not hold"):
        load_plan(_rewrite(path, tmp_path / "h.skgenre", huge))


def test_a_manifest_naming_one_member_twice_is_damage(saved, tmp_path):
    # the plan is read without the estimator: it must refuse what load_model refuses
    path, _ = saved["feature", "tuned"]
    for change in (lambda m: m.update(networks=m["networks"] * 2),
                   lambda m: m.update(estimator=m["networks"][0]),
                   lambda m: m.update(plan="skgenre-model.json")):
        bad = _rewrite(path, tmp_path / "d.skgenre", _edit_manifest(change))
        for load in (load_plan, load_model):
            with pytest.raises(ModelFileError, match="names one member for two parts"):
                load(bad)


def test_the_plan_warns_of_other_versions_as_load_model_does(saved, tmp_path):
    from skgenre import VersionMismatchWarning

    path, _ = saved["feature", "tuned"]

    old = _edit_manifest(lambda m: m["versions"].update(numpy="1.19.0"))
    with pytest.warns(VersionMismatchWarning, match=r"numpy 1.19.0 \(installed"):
        assert load_plan(_rewrite(path, tmp_path / "v.skgenre", old)) is not None


def test_sha256_is_checked_before_the_plan(saved):
    path, _ = saved["feature", "paper"]
    with pytest.raises(ModelFileError, match="does not match the expected SHA-256"):
        load_plan(path, sha256="0" * 64)


def _cli_json(args):
    proc = subprocess.run([sys.executable, "-m", "skgenre", "predict", *args, "--json"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_cli_predict_with_a_plan_imports_nothing_heavy(saved, sample, assert_not_imported,
                                                       tmp_path):
    path, _ = saved["feature", "tuned"]
    files, _ = sample
    code = textwrap.dedent(f"""
        from skgenre.cli import main
        assert main(["predict", {str(path)!r}, *{files[:2]!r}, "--segments"]) == 0
        assert main(["predict", {str(path)!r}, *{files[:2]!r},
                     "--out", {str(tmp_path / "rows.csv")!r}, "--quiet"]) == 0
    """)
    assert_not_imported(code, HEAVY)


def test_cli_rows_with_and_without_the_plan_agree(saved, sample, tmp_path):
    path, _ = saved["cnn", "tuned"]
    files, _ = sample
    whole = _rewrite(path, tmp_path / "whole.skgenre", _without_plan)
    ours = _cli_json([str(path), *files, "--segments"])
    theirs = _cli_json([str(whole), *files, "--segments"])
    assert [e["file"] for e in ours] == files
    for a, b in zip(ours, theirs):
        assert [t["genre"] for t in a["top"]] == [t["genre"] for t in b["top"]]
        assert a["segments"] and len(a["segments"]) == len(b["segments"])
        np.testing.assert_allclose(list(a["probabilities"].values()),
                                   list(b["probabilities"].values()), rtol=0, atol=ATOL)


def test_library_workers_load_the_plan(saved, sample, tmp_path):
    from skgenre.cli import main

    path, _ = saved["spec-dense", "tuned"]
    files, _ = sample
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["predict", str(path), *files, "--out", str(one), "--quiet"]) == 0
    assert main(["predict", str(path), *files, "--out", str(two), "--quiet", "--jobs", "2"]) == 0
    # BLAS in a worker process sums in another order than in this one
    a, b = _csv_rows(one), _csv_rows(two)
    assert [r["path"] for r in a] == files and [r["path"] for r in b] == files
    for x, z in zip(a, b):
        assert x["top"] == z["top"] and x["seconds"] == z["seconds"]
        np.testing.assert_allclose([float(v) for k, v in x.items() if k.startswith("proba_")],
                                   [float(v) for k, v in z.items() if k.startswith("proba_")],
                                   rtol=0, atol=ATOL)


def _csv_rows(path):
    import csv

    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))
