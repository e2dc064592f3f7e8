"""The training child process of the embedded backend (see `nlu.classifier.fit_in_child`).

Reads a pickled `TrainingJob` on stdin, writes pickled `ModelArrays` on stdout, exits: scikit-learn
and scipy live only as long as this process.
"""

from __future__ import annotations

import pickle
import sys

# Imported before the job arrives: this is the slow part the parent overlaps with its own work.
import sklearn.feature_extraction.text
import sklearn.linear_model  # noqa: F401

from nlu.classifier import fit


def main() -> None:
    job = pickle.loads(sys.stdin.buffer.read())  # written by our parent process
    sys.stdout.buffer.write(pickle.dumps(fit(job)))


if __name__ == "__main__":
    main()
