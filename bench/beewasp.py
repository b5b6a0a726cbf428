"""Bee-vs-wasp homework on the stand-in: the augmented input pipeline, an epoch, and grading.

    make bench-beewasp            (or: .venv/bin/python -m bench.beewasp)

Measured in one run, on the offline stand-in (whatever the shell says):

1. Input pipeline alone (no model): batches per second of the augmented
   training data, `tf.data` (cnncourse.pipelines.folder_dataset: parallel
   decoding, cache, preprocessing layers in a parallel map, prefetch) against
   the legacy `ImageDataGenerator.flow_from_directory` with the same
   augmentations (cnncourse.pipelines.legacy_folder_iterator). One epoch warms
   each up (graph tracing, the cache fill); the next epochs are timed. The
   ratio of the two is the figure that shows what a faster machine gains: once
   the model's compute shrinks (a GPU), the pipeline is what is left.
2. With the model: one training epoch of the homework's network
   (cnncourse.models.beewasp_cnn, SGD as in the homework) on each pipeline,
   after a warm-up epoch. On a 2-core CPU the model's compute dominates.
3. Autograde: a throwaway copy of the course (cnncourse.grading.trial), the
   solution handed in once, and the wall time of `nbgrader autograde` for it
   (kernel start, data, 20 training epochs and every test included).

The machine's other load changes the figures: the load average is printed with them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.autograde import solution_autograde_seconds

ASSIGNMENT = "beewasp"
BATCH_SIZE = 20
TIMED_EPOCHS = 3  # pipeline-only epochs timed after the warm-up

os.environ["CNNCOURSE_DATA"] = "standin"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _batches_per_second(batches, n_batches: int) -> float:
    """Time ``TIMED_EPOCHS`` epochs of ``n_batches`` from an endless batch source, after one warm-up epoch."""
    for _ in range(n_batches):
        next(batches)
    start = time.perf_counter()
    for _ in range(TIMED_EPOCHS * n_batches):
        images, _ = next(batches)
    _ = float(images[0, 0, 0, 0])  # the last batch really exists
    return TIMED_EPOCHS * n_batches / (time.perf_counter() - start)


def pipeline_throughput(train_dir: Path) -> dict[str, float]:
    from cnncourse.pipelines import folder_dataset, legacy_folder_iterator

    dataset = folder_dataset(train_dir, batch_size=BATCH_SIZE, augment=True)
    n_batches = int(dataset.cardinality())
    modern = _batches_per_second(iter(dataset.repeat()), n_batches)
    legacy_iterator = legacy_folder_iterator(train_dir, batch_size=BATCH_SIZE, augment=True)
    legacy = _batches_per_second(iter(legacy_iterator), len(legacy_iterator))
    return {"n_batches": n_batches, "tf_data": modern, "legacy": legacy, "ratio": modern / legacy}


def epoch_seconds(train_dir: Path) -> dict[str, float]:
    import keras

    from cnncourse.models import beewasp_cnn
    from cnncourse.pipelines import folder_dataset, legacy_folder_iterator

    def model():
        keras.utils.set_random_seed(0)
        network = beewasp_cnn()
        network.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.002, momentum=0.8),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        return network

    results = {}
    sources = {
        "tf_data": lambda: folder_dataset(train_dir, batch_size=BATCH_SIZE, augment=True),
        "legacy": lambda: legacy_folder_iterator(train_dir, batch_size=BATCH_SIZE, augment=True),
    }
    for name, make in sources.items():
        network, data = model(), make()
        # both pipelines shuffle themselves, so fit() must not be asked to
        network.fit(data, epochs=1, verbose=0, shuffle=False)  # warm-up: tracing, the cache fill
        start = time.perf_counter()
        network.fit(data, epochs=1, verbose=0, shuffle=False)
        results[name] = time.perf_counter() - start
    return results


def main() -> None:
    from cnncourse.data import beewasp_counts, load_beewasp

    load_before = os.getloadavg()[0]
    root = load_beewasp()
    n_train = sum(beewasp_counts(root)["train"].values())
    pipeline = pipeline_throughput(root / "train")
    epochs = epoch_seconds(root / "train")
    grade_s = solution_autograde_seconds(ASSIGNMENT)
    print(
        f"bench-beewasp: bee/wasp stand-in ({n_train} training images, batches of {BATCH_SIZE}) "
        f"on {os.cpu_count()} CPU cores (load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    print("  (1) augmented training input pipeline alone, no model:")
    print(f"      tf.data + preprocessing layers:  {pipeline['tf_data']:7.1f} batches/s")
    print(f"      legacy ImageDataGenerator:       {pipeline['legacy']:7.1f} batches/s")
    print(f"      ratio tf.data / legacy:          {pipeline['ratio']:7.1f}x")
    print("  (2) one training epoch of the homework's model on the augmented data:")
    print(f"      tf.data:                         {epochs['tf_data']:7.1f} s")
    print(f"      legacy ImageDataGenerator:       {epochs['legacy']:7.1f} s")
    print(f"  (3) autograde of one solution submission: {grade_s:5.1f} s (full marks)")


if __name__ == "__main__":
    main()
