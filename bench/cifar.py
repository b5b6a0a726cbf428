"""CIFAR-10 homework on the stand-in: training throughput and the time to grade one submission.

    make bench-cifar            (or: .venv/bin/python -m bench.cifar)

1. Training throughput: the homework's model (cnncourse.models.cifar10_cnn, the
   same layers the solution builds), compiled as the homework compiles it, on the
   stand-in split as the homework splits it (the first tenth of the images validate).
   One epoch warms up (graph tracing); the next epoch is timed. Prints images per
   second for training (forward and backward passes, batches of 32) and for the
   validation pass that follows every epoch.
2. Autograde: a throwaway copy of the course (cnncourse.grading.trial), the
   solution handed in once, and the wall time of `nbgrader autograde` for it,
   kernel start, data generation, training and every test included.

Both run on the offline stand-in whatever the shell says. The machine's other
load changes the figures: the load average is printed with them.
"""

from __future__ import annotations

import os
import time

from bench.autograde import solution_autograde_seconds

BATCH_SIZE = 32
ASSIGNMENT = "cifar10"

os.environ["CNNCOURSE_DATA"] = "standin"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def throughput() -> dict[str, float]:
    import keras

    from cnncourse.data import cifar10_validation_size, load_cifar10
    from cnncourse.models import cifar10_cnn

    keras.utils.set_random_seed(0)
    (x_raw, y_raw), _ = load_cifar10()
    x = x_raw.astype("float32") / 255
    y = keras.utils.to_categorical(y_raw, 10)
    n_valid = cifar10_validation_size(len(x))  # the homework's split
    x_valid, x_train, y_valid, y_train = x[:n_valid], x[n_valid:], y[:n_valid], y[n_valid:]
    model = cifar10_cnn()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1, verbose=0)  # warm-up: tracing, allocation
    model.evaluate(x_valid[:BATCH_SIZE * 4], y_valid[:BATCH_SIZE * 4], batch_size=BATCH_SIZE, verbose=0)
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    model.evaluate(x_valid, y_valid, batch_size=BATCH_SIZE, verbose=0)
    valid_s = time.perf_counter() - start
    return {
        "n_train": len(x_train),
        "n_valid": len(x_valid),
        "train_images_per_s": len(x_train) / train_s,
        "valid_images_per_s": len(x_valid) / valid_s,
        "epoch_s": train_s + valid_s,
        "n_params": model.count_params(),
    }


def main() -> None:
    load_before = os.getloadavg()[0]
    figures = throughput()
    grade_s = solution_autograde_seconds(ASSIGNMENT)
    print(
        f"bench-cifar: CIFAR-10 stand-in on {os.cpu_count()} CPU cores "
        f"(load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)"
    )
    print(
        f"  training throughput:   {figures['train_images_per_s']:7.0f} images/s "
        f"({figures['n_train']:,} images, batches of {BATCH_SIZE}, {figures['n_params']:,} parameters)"
    )
    print(f"  validation pass:       {figures['valid_images_per_s']:7.0f} images/s ({figures['n_valid']:,} images)")
    print(f"  one epoch (train + validate): {figures['epoch_s']:5.1f} s")
    print(f"  autograde of one solution submission: {grade_s:5.1f} s (full marks)")


if __name__ == "__main__":
    main()
