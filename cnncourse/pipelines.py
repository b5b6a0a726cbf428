"""Image input pipelines for folders of photos: the modern ``tf.data`` way and the legacy one.

The bee-vs-wasp homework reads a folder of JPEGs (``<split>/<class>/*.jpg``),
rescales the pixels to [0, 1], and augments the training images with rotation,
shift, zoom and horizontal flip. This module builds that input pipeline twice,
so that the benchmark (``make bench-beewasp``) can compare them on equal terms:

* :func:`folder_dataset`: ``keras.utils.image_dataset_from_directory`` (parallel
  decoding), the decoded images cached in memory, shuffled every epoch, the
  augmentation applied to whole batches by Keras preprocessing layers in a
  parallel ``map``, and prefetching so that the next batch is ready while the
  model trains on this one;
* :func:`legacy_folder_iterator`: the ``ImageDataGenerator.flow_from_directory``
  of the original homework, which decodes and transforms every image in Python,
  one at a time, every epoch.

The student notebook does not import this module: students build their own
pipeline. This is the reference the benchmark and the instructor use.

Keras and TensorFlow are imported inside the functions, so importing this
module stays cheap.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AUGMENTATION",
    "augmentation_layers",
    "folder_dataset",
    "legacy_folder_iterator",
]

# The homework's augmentations, in the legacy ImageDataGenerator's terms.
AUGMENTATION = {
    "rotation_range": 50,  # degrees either way
    "width_shift_range": 0.1,  # fraction of the width
    "height_shift_range": 0.1,
    "zoom_range": 0.1,  # zoom in or out by up to 10 %
    "horizontal_flip": True,
    "fill_mode": "nearest",
}


def augmentation_layers(seed: int | None = None):
    """The homework's augmentations as Keras preprocessing layers (a ``keras.Sequential``).

    ``rotation_range`` in degrees becomes a fraction of a full turn for
    ``RandomRotation``; the shifts become ``RandomTranslation``; the zoom range
    ``RandomZoom``; ``fill_mode`` is set on every layer that fills (Keras's
    default is ``"reflect"``, the legacy one ``"nearest"``).
    """
    import keras
    from keras import layers

    fill = AUGMENTATION["fill_mode"]
    return keras.Sequential(
        [
            layers.RandomRotation(AUGMENTATION["rotation_range"] / 360, fill_mode=fill, seed=seed),
            layers.RandomTranslation(
                AUGMENTATION["height_shift_range"], AUGMENTATION["width_shift_range"], fill_mode=fill, seed=seed
            ),
            layers.RandomZoom(AUGMENTATION["zoom_range"], fill_mode=fill, seed=seed),
            layers.RandomFlip("horizontal" if AUGMENTATION["horizontal_flip"] else None, seed=seed),
        ],
        name="augmentation",
    )


def folder_dataset(
    folder: Path,
    *,
    image_size=(150, 150),
    batch_size: int = 20,
    augment: bool = False,
    shuffle: bool = True,
    cache: bool = True,
    seed: int | None = 42,
):
    """A ``tf.data`` pipeline of (images in [0, 1], binary labels) batches from ``folder``.

    Images are decoded in parallel and, with ``cache``, kept in memory after the
    first epoch (a few MB for the stand-in; about 1 GB of float32 for the real
    training set, so switch it off where memory is short). The augmentation
    (``augment``) runs after the cache, on whole batches, in a parallel map, so
    every epoch sees new random transforms. The last step prefetches.
    """
    import keras
    import tensorflow as tf

    autotune = tf.data.AUTOTUNE
    dataset = keras.utils.image_dataset_from_directory(
        Path(folder),
        image_size=image_size,
        batch_size=None,  # one image at a time: batch after the cache and the shuffle
        label_mode="binary",
        shuffle=shuffle,
        seed=seed,
        verbose=False,
    )
    rescale = keras.layers.Rescaling(1 / 255)
    dataset = dataset.map(lambda image, label: (rescale(image), label), num_parallel_calls=autotune)
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(1024, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, num_parallel_calls=autotune)
    if augment:
        augmentation = augmentation_layers(seed)
        dataset = dataset.map(
            lambda images, labels: (augmentation(images, training=True), labels), num_parallel_calls=autotune
        )
    return dataset.prefetch(autotune)


def legacy_folder_iterator(
    folder: Path,
    *,
    image_size=(150, 150),
    batch_size: int = 20,
    augment: bool = False,
    shuffle: bool = True,
    seed: int | None = 42,
):
    """The original homework's pipeline: ``ImageDataGenerator(...).flow_from_directory(...)``.

    Uses the legacy class that ``tensorflow.keras`` still ships (it is gone from
    ``keras`` 3 itself). Yields (images in [0, 1], labels) batches, forever;
    ``len()`` of the iterator is the number of batches in one epoch.
    """
    from tensorflow.keras.preprocessing.image import ImageDataGenerator

    options = dict(AUGMENTATION) if augment else {}
    generator = ImageDataGenerator(rescale=1.0 / 255, **options)
    return generator.flow_from_directory(
        str(folder),
        target_size=image_size,
        batch_size=batch_size,
        class_mode="binary",
        shuffle=shuffle,
        seed=seed,
    )
