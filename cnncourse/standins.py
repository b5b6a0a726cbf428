"""Offline stand-ins for the course's data sets.

Each stand-in has the real data set's layout, shapes and dtypes, so every
chapter and homework runs unchanged on it. Where a library ships real data
that fits (scikit-learn's handwritten digits, scikit-image's photos) the
stand-in is built from it; otherwise it is generated deterministically from a
fixed seed. Stand-ins are small by default so that tests and grading are fast.

This module sits at the bottom of the package: it imports nothing from it.
"""

from __future__ import annotations

import numpy as np

MNIST_TEST_FRACTION = 1 / 6  # MNIST itself holds 10,000 of 70,000 images for testing


def mnist_digits(seed: int = 0):
    """MNIST-shaped digits from scikit-learn's bundled real handwriting.

    scikit-learn ships 1,797 real 8x8 digits (values 0-16) scanned from 43
    writers. Each is upscaled to 28x28 with bilinear interpolation and
    rescaled to 0-255, then the set is shuffled and split like MNIST.

    Returns ((x_train, y_train), (x_test, y_test)) with the dtypes and layout of
    ``keras.datasets.mnist.load_data()``: (N, 28, 28) uint8 images and (N,)
    uint8 labels.
    """
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = digits.images / 16.0  # (1797, 8, 8) in [0, 1]
    large = resize(small, (len(small), 28, 28), order=1, anti_aliasing=False)
    images = np.clip(np.rint(large * 255), 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(images))
    images, labels = images[order], labels[order]
    n_test = round(len(images) * MNIST_TEST_FRACTION)
    return (images[n_test:], labels[n_test:]), (images[:n_test], labels[:n_test])


# =========================================================================== bees and wasps
# A generated image folder in the layout of the bee-vs-wasp archive:
# <root>/train/{bee,wasp}/*.jpg and <root>/test/{bee,wasp}/*.jpg.
#
# Both classes share every colour distribution (background, body, stripes) and
# the distribution of how much of the picture the insect covers, so the mean
# colour of an image says nothing about its class. They differ in shape and
# pattern, which a small CNN can learn: a bee is a plump oval body with a few
# broad, soft-edged stripes; a wasp is a slender body pinched at a narrow waist,
# with a pointed abdomen and many thin, sharp, chevron-shaped stripes. The two
# distributions overlap a little, so the task is learnable but not trivial.

BEEWASP_CLASSES = ("bee", "wasp")
BEEWASP_SIZE_ENV = "CNNCOURSE_BEEWASP_STANDIN_SIZE"
BEEWASP_DEFAULT_TRAIN = 120  # training images by default (grading trains 20 epochs); the test set has a third
BEEWASP_MIN_TRAIN = 8
BEEWASP_SIDE_RANGE = (120, 260)  # width and height in pixels, drawn independently
BEEWASP_GENERATOR_VERSION = 1  # bump when the pictures change: the cache keys on it
_BEEWASP_SPLIT_KEYS = {"train": 1, "test": 2}


def beewasp_standin_size(n_train: int | None = None) -> tuple[int, int]:
    """(training, test) image counts of the bee/wasp stand-in.

    ``n_train`` wins over the ``CNNCOURSE_BEEWASP_STANDIN_SIZE`` environment
    variable, which wins over the default (120, small so that grading a
    homework, 20 epochs in all, stays fast). The test set is a third of it.
    """
    import os

    if n_train is None:
        raw = os.environ.get(BEEWASP_SIZE_ENV, "").strip()
        if raw:
            try:
                n_train = int(raw)
            except ValueError:
                raise ValueError(f"{BEEWASP_SIZE_ENV} must be a whole number of training images, got {raw!r}") from None
        else:
            n_train = BEEWASP_DEFAULT_TRAIN
    n_train = int(n_train)
    if n_train < BEEWASP_MIN_TRAIN:
        raise ValueError(f"the bee/wasp stand-in needs at least {BEEWASP_MIN_TRAIN} training images, got {n_train}")
    return n_train, max(4, n_train // 3)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _beewasp_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Leaves, soil or sky: a two-colour gradient with soft blobs and noise (same for both classes)."""
    palette = np.array(
        [[70, 120, 50], [110, 150, 70], [140, 110, 70], [160, 190, 220], [200, 170, 190], [90, 90, 60]], float
    )
    c0, c1 = palette[rng.choice(len(palette), 2)] + rng.normal(0, 15, (2, 3))
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(float)
    t = (np.cos(angle) * xx / width + np.sin(angle) * yy / height + 1) / 2.5
    image = c0 * (1 - t[..., None]) + c1 * t[..., None]
    for _ in range(rng.integers(2, 6)):  # out-of-focus flowers and leaves
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        radius = rng.uniform(0.05, 0.2) * min(height, width)
        colour = palette[rng.integers(len(palette))] + rng.normal(0, 25, 3)
        weight = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))[..., None] * 0.8
        image = image * (1 - weight) + colour * weight
    return image


def _beewasp_insect(rng: np.random.Generator, label: int, height: int, width: int, image: np.ndarray) -> np.ndarray:
    """Paint one bee (label 0) or wasp (label 1) on ``image``."""
    yy, xx = np.mgrid[0:height, 0:width].astype(float)
    side = min(height, width)
    # Close-ups, as in the real photos: near the centre, roughly level, facing either way.
    cy, cx = rng.uniform(0.4, 0.6) * height, rng.uniform(0.4, 0.6) * width
    theta = rng.uniform(-0.6, 0.6) + np.pi * rng.integers(2)
    # Body coordinates: u along the body (head at negative u), v across it.
    u = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta)
    v = -(xx - cx) * np.sin(theta) + (yy - cy) * np.cos(theta)
    # A wasp is drawn longer so that both classes cover the same share of the
    # picture on average: the mean colour carries no label.
    length = rng.uniform(0.5, 0.75) * side * (1.0 if label == 0 else 1.3)
    if label == 0:  # bee: plump oval, a few broad soft stripes
        aspect = rng.uniform(1.3, 2.1)
        a, b = length / 2, length / 2 / aspect
        abdomen = (u / a) ** 2 + (v / b) ** 2
        head = ((u + a * 1.05) / (b * 0.55)) ** 2 + (v / (b * 0.55)) ** 2
        body_soft = np.maximum(1 - abdomen, 1 - head)
        n_stripes = rng.uniform(2.0, 3.2)
        phase = u / (2 * a) * n_stripes + rng.uniform(0, 1)
        stripe = _smoothstep((np.sin(2 * np.pi * phase) + 0.3) / 0.9)
        stripe_zone = u > -0.6 * a
    else:  # wasp: thorax, pinched waist, long pointed abdomen, many thin sharp chevrons
        aspect = rng.uniform(2.0, 3.2)
        a, b = length * 0.32, length * 0.32 / aspect * 1.5
        ua = u - a * 0.55  # abdomen centre behind the waist
        abdomen = (ua / a) ** 2 + (v / (b * (1 - 0.45 * np.clip(ua / a, 0, 1)))) ** 2
        thorax = ((u + a * 0.75) / (a * 0.42)) ** 2 + (v / (b * 0.75)) ** 2
        head = ((u + a * 1.3) / (b * 0.55)) ** 2 + (v / (b * 0.6)) ** 2
        waist = (np.abs(u + a * 0.3) < a * 0.2) & (np.abs(v) < b * 0.18)
        body_soft = np.maximum.reduce([1 - abdomen, 1 - thorax, 1 - head, np.where(waist, 0.5, -1.0)])
        n_stripes = rng.uniform(5.0, 8.0)
        chevron = np.abs(v) / b * rng.uniform(0.1, 0.35)
        phase = (ua + chevron * a) / (2 * a) * n_stripes + rng.uniform(0, 1)
        stripe = (np.sin(2 * np.pi * phase) > -0.1).astype(float)
        stripe_zone = ua > -0.7 * a
    body = _smoothstep(body_soft * 6)  # soft silhouette edge
    yellow = np.array([rng.uniform(200, 250), rng.uniform(150, 205), rng.uniform(10, 60)])
    dark = np.array([rng.uniform(15, 50)] * 3) + rng.normal(0, 5, 3)
    stripe = np.where(stripe_zone, stripe, 0.0)
    colour = yellow * (1 - stripe[..., None]) + dark * stripe[..., None]
    shade = 0.75 + 0.25 * np.clip(1 - (v / (b * 1.2)) ** 2, 0, 1)  # rounder look
    colour = colour * shade[..., None]
    image = image * (1 - body[..., None]) + colour * body[..., None]
    # Wings: a pale translucent pair on both classes.
    for sign in (-1, 1):
        wu, wv = u + a * 0.4, v - sign * b * 1.25
        wing = ((wu / (a * 0.55)) ** 2 + (wv / (b * 0.7)) ** 2) < 1
        image = np.where(wing[..., None], image * 0.6 + 230 * 0.4, image)
    return image


def beewasp_image(seed: int, split: str, index: int) -> tuple[np.ndarray, str]:
    """One stand-in picture as (uint8 array of shape (H, W, 3), class name).

    Image ``index`` of a split is the same whatever the size of the set: its
    random generator is seeded from (seed, split, index) alone. Even indices are
    bees, odd ones wasps.
    """
    rng = np.random.default_rng([seed, _BEEWASP_SPLIT_KEYS[split], index])
    label = index % 2
    height, width = (int(s) for s in rng.integers(BEEWASP_SIDE_RANGE[0], BEEWASP_SIDE_RANGE[1] + 1, 2))
    image = _beewasp_background(rng, height, width)
    image = _beewasp_insect(rng, label, height, width, image)
    image = image + rng.normal(0, 6, image.shape)  # sensor noise
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), BEEWASP_CLASSES[label]


def write_beewasp_folder(root, n_train: int | None = None, seed: int = 0) -> dict[str, int]:
    """Write the bee/wasp stand-in into ``root`` as ``train/{bee,wasp}`` and ``test/{bee,wasp}`` JPEGs.

    The same arguments always give the same files. Returns the image count of
    each split. ``root`` should be a fresh folder (the caller renames it into
    place when it is complete).
    """
    from pathlib import Path

    from PIL import Image

    root = Path(root)
    counts = dict(zip(("train", "test"), beewasp_standin_size(n_train)))
    for split, count in counts.items():
        for name in BEEWASP_CLASSES:
            (root / split / name).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            pixels, name = beewasp_image(seed, split, index)
            Image.fromarray(pixels).save(root / split / name / f"{name}{index:05d}.jpg", "JPEG", quality=90)
    return counts


# =========================================================================== CIFAR-10
# Generated 32 x 32 colour scenes in ten classes with the layout of
# keras.datasets.cifar10.load_data(). Each class is a scene (sky, road, grass,
# room, pond, sea) with an object drawn in a class colour; place, size,
# brightness, colours and left/right orientation vary from image to image and
# every pixel carries noise, so no single pixel or mean colour gives the class
# away: a CNN has to see the shape. Classes that share a scene and a colour
# (automobile/truck, cat/dog, deer/horse, airplane/bird) differ only in the
# object's shape, so, as in the real data, some pairs are harder to tell apart
# than others.

CIFAR10_SIZE_ENV = "CNNCOURSE_CIFAR10_STANDIN_SIZE"
# The real data's proportions, 50,000 training and 10,000 test images, at a twentieth of
# its size: the homework's tenth held out for validation leaves 2,250 / 250 / 500,
# in the proportions of the real 45,000 / 5,000 / 10,000.
CIFAR10_DEFAULT_TRAIN = 2_500
CIFAR10_DEFAULT_TEST = 500
CIFAR10_SIDE = 32
_CIFAR10_SPLIT_KEYS = {"train": 1, "test": 2}

_SKY, _ROAD, _GRASS, _ROOM, _POND, _SEA = range(6)
_CIFAR10_BACKGROUNDS = np.array(  # (top colour, bottom colour) of each scene, RGB in [0, 1]
    [
        [(0.55, 0.75, 0.95), (0.85, 0.92, 1.00)],  # sky
        [(0.60, 0.62, 0.65), (0.35, 0.35, 0.37)],  # road
        [(0.55, 0.70, 0.45), (0.30, 0.45, 0.20)],  # grass
        [(0.80, 0.72, 0.60), (0.60, 0.50, 0.40)],  # room
        [(0.25, 0.45, 0.25), (0.15, 0.35, 0.30)],  # pond
        [(0.70, 0.85, 1.00), (0.10, 0.30, 0.60)],  # sea: sky above a sharp horizon, water below
    ]
)
# Label -> (scene, object colour), in the order of the real labels 0-9.
_CIFAR10_SCENES = (
    (_SKY, (0.55, 0.55, 0.60)),  # 0 a grey cross: fuselage and wings
    (_ROAD, (0.80, 0.15, 0.15)),  # 1 a low red body on two wheels
    (_SKY, (0.30, 0.25, 0.20)),  # 2 a small dark body with a V of wings
    (_ROOM, (0.85, 0.55, 0.25)),  # 3 a round head with pointed ears
    (_GRASS, (0.55, 0.35, 0.15)),  # 4 a body on four legs, with antlers
    (_ROOM, (0.75, 0.50, 0.30)),  # 5 a round head with ears hanging on the sides
    (_POND, (0.35, 0.75, 0.20)),  # 6 a wide flat spotted blob
    (_GRASS, (0.40, 0.25, 0.12)),  # 7 a body on four legs, with a long neck
    (_SEA, (0.95, 0.95, 0.95)),  # 8 a hull and a cabin on the horizon
    (_ROAD, (0.20, 0.35, 0.80)),  # 9 a tall long blue body on two wheels
)


def cifar10_standin_size(n_train: int | None = None, n_test: int | None = None) -> tuple[int, int]:
    """(training, test) image counts of the CIFAR-10 stand-in.

    Arguments win over the ``CNNCOURSE_CIFAR10_STANDIN_SIZE`` environment
    variable (``"3000"`` for the training count, or ``"3000,600"`` for both),
    which wins over the defaults: the real data's 50,000 and 10,000 at a
    twentieth (2,500 and 500 images), so the homework's split keeps the real
    proportions, small enough to grade a homework in well under two minutes.
    """
    import os

    env_train = env_test = None
    raw = os.environ.get(CIFAR10_SIZE_ENV, "").strip()
    if raw:
        try:
            parts = [int(part) for part in raw.split(",")]
        except ValueError:
            raise ValueError(f"{CIFAR10_SIZE_ENV} must be 'N_TRAIN' or 'N_TRAIN,N_TEST', got {raw!r}") from None
        if len(parts) not in (1, 2):
            raise ValueError(f"{CIFAR10_SIZE_ENV} must be 'N_TRAIN' or 'N_TRAIN,N_TEST', got {raw!r}")
        env_train, env_test = parts[0], (parts[1] if len(parts) == 2 else None)
    n_train = int(next(n for n in (n_train, env_train, CIFAR10_DEFAULT_TRAIN) if n is not None))
    n_test = int(next(n for n in (n_test, env_test, CIFAR10_DEFAULT_TEST) if n is not None))
    if n_train < 10 or n_test < 10:
        raise ValueError(f"the CIFAR-10 stand-in needs at least 10 images per split, got {n_train} and {n_test}")
    return n_train, n_test


def _cifar10_masks(label: int, dy: np.ndarray, dx: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Boolean masks (n, 32, 32) of the objects of class ``label``; dy, dx: offsets from each centre."""
    if label == 0:  # fuselage crossed by wings
        return ((np.abs(dy) < 0.25 * r) & (np.abs(dx) < r)) | ((np.abs(dx) < 0.3 * r) & (np.abs(dy) < 0.9 * r))
    if label in (1, 9):  # low short body / tall long body, on two wheels
        h, w = (0.35 * r, 0.9 * r) if label == 1 else (0.8 * r, 1.1 * r)
        body = (dy > -h) & (dy < 0) & (np.abs(dx) < w)
        wheel = (0.25 * r) ** 2
        axle = (dy - 0.15 * r) ** 2
        wheels = (axle + (dx + 0.55 * w) ** 2 < wheel) | (axle + (dx - 0.55 * w) ** 2 < wheel)
        return body | wheels
    if label == 2:  # small body, V of wings
        body = dy**2 + (dx / 1.5) ** 2 < (0.3 * r) ** 2
        wings = (np.abs(dy + 0.6 * np.abs(dx)) < 0.18 * r) & (np.abs(dx) < 0.9 * r)
        return body | wings
    if label in (3, 5):  # round head; pointed ears / hanging ears
        head = dy**2 + dx**2 < (0.6 * r) ** 2
        if label == 3:
            ears = (dy < -0.3 * r) & (dy > -r) & (np.abs(np.abs(dx) - 0.4 * r) < 0.35 * (dy + r))
        else:
            ears = (np.abs(np.abs(dx) - 0.7 * r) < 0.2 * r) & (np.abs(dy) < 0.5 * r)
        return head | ears
    if label in (4, 7):  # body on four legs; antlers / long neck
        body = (dy / 0.35) ** 2 + (dx / 0.8) ** 2 < r**2
        legs = (dy > 0) & (dy < 0.8 * r) & (np.abs(np.abs(dx) - 0.5 * r) < 0.1 * r)
        if label == 4:
            extra = (np.abs(dx - 0.6 * r) < 0.08 * r) & (dy < -0.2 * r) & (dy > -r)
            extra |= (np.abs(dy + 0.8 * r) < 0.08 * r) & (np.abs(dx - 0.6 * r) < 0.35 * r)
        else:
            extra = (np.abs(dx - 0.8 * r + 0.5 * (dy + 0.2 * r)) < 0.18 * r) & (dy < 0) & (dy > -0.9 * r)
        return body | legs | extra
    if label == 6:  # wide flat blob
        return (dy / 0.55) ** 2 + (dx / 0.9) ** 2 < r**2
    if label == 8:  # hull (a trapezoid) and a cabin
        hull = (dy > 0) & (dy < 0.4 * r) & (np.abs(dx) < r - 0.8 * dy)
        cabin = (dy > -0.4 * r) & (dy <= 0) & (np.abs(dx + 0.2 * r) < 0.3 * r)
        return hull | cabin
    raise ValueError(f"no CIFAR-10 stand-in class {label}")


def _cifar10_class_images(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uint8 images (n, 32, 32, 3) of stand-in class ``label``, drawn at once."""
    side = CIFAR10_SIDE
    scene, colour = _CIFAR10_SCENES[label]
    top, bottom = (np.clip(c + rng.normal(0, 0.06, (n, 3)), 0, 1) for c in _CIFAR10_BACKGROUNDS[scene])
    t = np.linspace(0, 1, side)[None, :, None, None]
    horizon = rng.uniform(0.3, 0.7, n)
    if scene == _SEA:
        weight = (t >= horizon[:, None, None, None]).astype(float)
    else:
        weight = t
    image = (1 - weight) * top[:, None, None, :] + weight * bottom[:, None, None, :]
    image = np.broadcast_to(image.astype(np.float32), (n, side, side, 3))
    r = rng.uniform(6.0, 11.0, n)
    cy, cx = rng.uniform(r, side - r), rng.uniform(r, side - r)
    if scene == _SEA:  # ships float on the horizon
        cy = horizon * side - 0.2 * r
    yy, xx = np.mgrid[0:side, 0:side].astype(float)
    per_image = (slice(None), None, None)
    dy, dx = yy - cy[per_image], xx - cx[per_image]
    mask = _cifar10_masks(label, dy, dx, r[per_image])
    flip = rng.random(n) < 0.5
    mask[flip] = mask[flip][:, :, ::-1]
    fill = np.clip(np.asarray(colour) * rng.uniform(0.75, 1.25, (n, 1)) + rng.normal(0, 0.05, (n, 3)), 0, 1)
    fill = np.broadcast_to(fill[:, None, None, :].astype(np.float32), image.shape)
    if label == 6:  # dark spots
        fill = fill * (1 - 0.5 * (rng.random((n, side, side, 1), dtype=np.float32) < 0.15))
    image = np.where(mask[..., None], fill, image)
    image *= rng.uniform(0.7, 1.2, (n, 1, 1, 1)).astype(np.float32)
    image += 0.06 * rng.standard_normal(image.shape, dtype=np.float32)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def _cifar10_split(n: int, seed: int, split: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, _CIFAR10_SPLIT_KEYS[split]])
    labels = np.arange(n) % 10  # every class equally often (within one)
    images = np.empty((n, CIFAR10_SIDE, CIFAR10_SIDE, 3), np.uint8)
    for label in range(10):
        images[labels == label] = _cifar10_class_images(label, int(np.sum(labels == label)), rng)
    order = rng.permutation(n)
    return images[order], labels[order].astype(np.uint8).reshape(n, 1)


def cifar10_scenes(n_train: int | None = None, n_test: int | None = None, seed: int = 0):
    """The CIFAR-10 stand-in: generated scenes in ten classes, shuffled.

    Returns ((x_train, y_train), (x_test, y_test)) with the dtypes and layout of
    ``keras.datasets.cifar10.load_data()``: (N, 32, 32, 3) uint8 images and
    (N, 1) uint8 labels 0-9, every class equally often (within one). Sizes as
    in :func:`cifar10_standin_size`; the same arguments always give the same
    arrays, and the test set does not depend on the training size.
    """
    n_train, n_test = cifar10_standin_size(n_train, n_test)
    return _cifar10_split(n_train, seed, "train"), _cifar10_split(n_test, seed, "test")
