#!/usr/bin/python3
"""Writes penguins_split.json: scikit-learn's stratified train_test_split on the
penguins data (and on small made-up label vectors that make _approximate_mode
break ties at random), the reference for datasets/penguins_test.go.

Run from the datasets folder with Debian's python3-sklearn (pandas is not
needed: get_dummies is rebuilt with numpy, as uint8 like pandas < 2 and as
bool like pandas >= 2, which must give the same split):

    /usr/bin/python3 testdata/penguins_split.py ../../shared/data/penguins.csv > testdata/penguins_split.json
"""
import csv
import json
import sys

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def missing(cell):
    # pandas.read_csv's default na_values include "NA" and the empty cell.
    return cell.strip() in ("", "NA")


def lesson_rows(path):
    """The species of penguins.drop(columns=['island', 'sex']).dropna(), and the
    original row numbers kept (the pandas index)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    species, kept = [], []
    for i, r in enumerate(rows):
        if any(missing(r[c]) for c in ["species"] + MEASUREMENTS):
            continue
        species.append(r["species"])
        kept.append(i)
    return len(rows), species, kept


def one_hot(labels, dtype):
    names = sorted(set(labels))  # get_dummies: sorted category names
    return np.array([[l == n for n in names] for l in labels]).astype(dtype), names


def split(y, stratify, test_size, seed):
    X = np.arange(len(y))
    tr, te = train_test_split(X, test_size=test_size, random_state=seed, shuffle=True, stratify=stratify)
    return [int(i) for i in tr], [int(i) for i in te]


def main():
    n_rows, species, kept = lesson_rows(sys.argv[1])
    names = sorted(set(species))
    labels = [names.index(s) for s in species]
    cases = []
    for test_size, seed in [(0.2, 0), (0.3, 42), (0.25, 7)]:
        oh8, _ = one_hot(species, np.uint8)
        ohb, _ = one_hot(species, bool)
        tr, te = split(labels, oh8, test_size, seed)
        if (tr, te) != split(labels, ohb, test_size, seed):
            sys.exit("uint8 and bool one-hot targets split differently")
        cases.append({"name": "penguins one-hot", "stratify": "onehot", "test_size": test_size,
                      "random_state": seed, "y": labels, "train": tr, "test": te})
        tr, te = split(labels, np.array(species), test_size, seed)
        cases.append({"name": "penguins species names", "stratify": "labels", "test_size": test_size,
                      "random_state": seed, "y": labels, "train": tr, "test": te})
    # Made-up label vectors whose class shares tie, so that _approximate_mode
    # draws with rng.choice: three classes of 7, and four unequal classes.
    rs = np.random.RandomState(123)
    for y, test_size, seed in [
        (list(rs.permutation([0] * 7 + [1] * 7 + [2] * 7)), 0.2, 0),
        (list(rs.permutation([0] * 5 + [1] * 5 + [2] * 9 + [3] * 9)), 0.3, 3),
        (list(rs.permutation([0] * 10 + [1] * 10 + [2] * 10 + [3] * 10 + [4] * 3)), 0.5, 11),
    ]:
        y = [int(v) for v in y]
        tr, te = split(y, np.array(y), test_size, seed)
        cases.append({"name": "ties", "stratify": "labels", "test_size": test_size,
                      "random_state": seed, "y": y, "train": tr, "test": te})
    json.dump({"generator": "datasets/testdata/penguins_split.py",
               "sklearn": sklearn.__version__, "numpy": np.__version__,
               "rows": n_rows, "species": names, "kept_rows": kept, "cases": cases},
              sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


main()
