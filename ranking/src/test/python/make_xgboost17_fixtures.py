#!/usr/bin/python3
"""Writes the XGBoost 1.7 parity fixtures of ranking/src/test/resources/fixtures/.

XGBoost4J (TreeFixtureGenerator) covers the 3.x JSON format; this covers 1.7's, with Debian's
python3-xgboost 1.7.4 (apt-get install python3-xgboost). Run once when the fixtures change, from
the repository root:

    /usr/bin/python3 ranking/src/test/python/make_xgboost17_fixtures.py

Each case NAME gives NAME.json (booster.save_model) and NAME.csv: the feature names, then
margin,prediction; one row per test row, NaN for a missing value; the predictions are XGBoost's
own (output_margin=True and False) on the model as saved. Seeded: the same library writes the
same files.
"""
import os
import sys

import numpy as np
import xgboost as xgb

FEATURES = 6
OUT = sys.argv[1] if len(sys.argv) > 1 else "ranking/src/test/resources/fixtures"
NAMES = ["feat_" + chr(ord("a") + i) for i in range(FEATURES)]


def rows(rng, n):
    x = np.empty((n, FEATURES), dtype=np.float32)
    x[:, 0] = rng.normal(size=n)
    x[:, 1] = rng.normal(size=n) * 3 + 1
    x[:, 2] = rng.integers(0, 6, size=n)  # integer-valued: test rows land on split thresholds
    x[:, 3] = rng.integers(-1, 2, size=n)
    x[:, 4] = np.where(rng.random(n) < 0.4, 0.0, rng.random(n))
    x[:, 5] = rng.random(n) * 100
    x[rng.random(x.shape) < 0.1] = np.nan
    return x


def labels(objective, x, rng):
    a = np.nan_to_num(x[:, 0], nan=-0.5)
    b = np.nan_to_num(x[:, 1], nan=0.0)
    c = np.nan_to_num(x[:, 2], nan=2.0)
    e = np.nan_to_num(x[:, 4], nan=0.5)
    f = np.nan_to_num(x[:, 5], nan=50.0)
    s = 1.2 * a + 0.3 * b * np.where(c > 2, 1, -1) + np.sin(c) + 2 * e - 0.01 * f
    s = s + rng.normal(size=len(s)) * 0.3
    if objective in ("binary:logistic", "binary:logitraw", "rank:map"):
        return (s > 0.5).astype(np.float32)
    if objective == "reg:logistic":
        return 1 / (1 + np.exp(-s))
    if objective.startswith("rank:"):
        return np.clip(np.floor(s + 1), 0, 3)
    return s


def case(name, objective, trees, depth, named, seed):
    rng = np.random.default_rng(seed)
    train, test = rows(rng, 600), rows(rng, 200)
    names = NAMES if named else None
    dtrain = xgb.DMatrix(train, label=labels(objective, train, rng), missing=np.nan, feature_names=names)
    if objective.startswith("rank:"):
        dtrain.set_group([10] * 60)
    params = {"objective": objective, "max_depth": depth, "eta": 0.3, "seed": seed, "nthread": 1,
              "tree_method": "hist", "max_bin": 32}
    model = os.path.join(OUT, name + ".json")
    xgb.train(params, dtrain, num_boost_round=trees).save_model(model)
    booster = xgb.Booster(model_file=model)
    dtest = xgb.DMatrix(test, missing=np.nan, feature_names=names)
    margin = booster.predict(dtest, output_margin=True)
    value = booster.predict(dtest)
    with open(os.path.join(OUT, name + ".csv"), "w") as out:
        out.write(",".join(names or ["f%d" % i for i in range(FEATURES)]) + ",margin,prediction\n")
        for r in range(len(test)):
            cells = [repr(float(v)) if not np.isnan(v) else "NaN" for v in test[r]]
            cells += [repr(float(margin[r])), repr(float(value[r]))]
            out.write(",".join(cells) + "\n")


if __name__ == "__main__":
    assert xgb.__version__.startswith("1.7"), xgb.__version__
    os.makedirs(OUT, exist_ok=True)
    case("xgb17-binary-logistic", "binary:logistic", 16, 5, True, 101)
    case("xgb17-reg-squarederror", "reg:squarederror", 12, 4, False, 102)
    case("xgb17-reg-logistic", "reg:logistic", 10, 4, False, 103)
    case("xgb17-rank-ndcg", "rank:ndcg", 10, 4, True, 104)
    case("xgb17-binary-logitraw", "binary:logitraw", 8, 3, False, 105)
    print("fixtures written to", os.path.abspath(OUT))
