"""Genre transfer speed: seconds per iteration at 631 x 631, and the compiled step against a training step.

    python benchmarks/bench_transfer.py [--iterations 6] [--preset paper]

For each net (VGG19, Lil Data, random 1-D), times notebook 04's compiled step (``make_step``, after the
first, tracing, call) and one forward-and-backward training step of the same network on one input
(gradients for its weights, applied by Adam, also compiled). Target: the transfer step costs at most 1.5x
the training step (no retracing, no eager overhead). Weights are random: speed does not depend on them.
Then the closed-form methods (``statistics``, ``modulation``): the whole transfer, which has no steps,
against Lil Data's training step.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def training_step_seconds(extractor, shape, repeats: int) -> float:
    import keras
    import numpy as np
    import tensorflow as tf

    def set_trainable(layer, value: bool) -> None:
        layer.trainable = value
        for inner in getattr(layer, "layers", []):
            set_trainable(inner, value)

    set_trainable(extractor, True)
    optimizer = keras.optimizers.Adam(1e-4)
    variables = extractor.trainable_variables
    optimizer.build(variables)
    x = tf.constant(np.random.default_rng(0).random((1, *shape, 1)).astype(np.float32))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.add_n([tf.reduce_mean(tf.square(f)) for f in extractor(x, training=True)])
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    step()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    seconds = (time.perf_counter() - start) / repeats
    set_trainable(extractor, False)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--preset", default="paper")
    args = parser.parse_args()

    import numpy as np

    from lildata_utils.course import import_tensorflow

    import_tensorflow()
    import tensorflow as tf

    from lildata_utils.lessons import style as lesson
    from lildata_utils.lessons import style_time
    from lildata_utils.lessons.classifier import lil_data
    from lildata_utils.registry import NETS
    from lildata_utils.runs import transfer
    from lildata_utils.settings import get_preset

    settings = get_preset(args.preset)
    rng = np.random.default_rng(0)
    content, style = (rng.random(settings.shape).astype(np.float32) for _ in range(2))

    print(f"preset {args.preset}, spectrograms {settings.shape[0]} x {settings.shape[1]}, {os.cpu_count()} CPU cores")
    print(f"{'method':<12}{'s / transfer step':>20}{'s / training step':>20}{'ratio':>8}")
    lil_train = None
    for net in NETS:
        ts = transfer.transfer_settings(net, iterations=args.iterations, vgg_weights="none")
        classifier = lil_data(settings.shape, 8) if net == "lildata" else None
        extractor = transfer.feature_extractor(ts, settings.shape, classifier)
        as_image = lambda s: tf.constant(np.asarray(s, np.float32)[None, ..., None])  # noqa: E731
        image = tf.Variable(as_image(content))
        step, _ = lesson.make_step(extractor, image, as_image(content), as_image(style), ts)
        step()  # traces and compiles
        start = time.perf_counter()
        for _ in range(args.iterations):
            step()
        per_step = (time.perf_counter() - start) / args.iterations
        assert step.experimental_get_tracing_count() == 1
        train = training_step_seconds(extractor, settings.shape, args.iterations)
        lil_train = train if net == "lildata" else lil_train
        print(f"{net:<12}{per_step:>20.3f}{train:>20.3f}{per_step / train:>8.2f}", flush=True)
    for method in ("statistics", "modulation"):  # notebook 04b's closed forms
        start = time.perf_counter()
        for _ in range(args.iterations):
            if method == "statistics":
                style_time.match_statistics(content, style)
            else:
                style_time.modulation_transfer(content, style, transfer.envelope_bins(settings, 64.0))
        whole = (time.perf_counter() - start) / args.iterations
        print(f"{method:<12}{whole:>20.3f}{lil_train:>20.3f}{whole / lil_train:>8.2f}   (the whole transfer: no steps)")


if __name__ == "__main__":
    main()
