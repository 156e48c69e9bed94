"""Genre transfer speed: seconds per iteration at 631 x 631, and the compiled step against a training step.

    python benchmarks/bench_transfer.py [--iterations 6] [--preset paper]

For each net (VGG19, Lil Data, random 1-D), times ``StyleTransfer``'s compiled step (after the first,
tracing, call) and one forward-and-backward training step of the same network on one input (gradients
for its weights, applied by Adam, also compiled). Target: the transfer step costs at most 1.5x the
training step (no retracing, no eager overhead). Weights are random: speed does not depend on them.
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

    from lildata_utils import config, models, transfer

    settings = config.get_preset(args.preset)
    rng = np.random.default_rng(0)
    content, style = (rng.random(settings.shape).astype(np.float32) for _ in range(2))
    print(f"{'net':<10}{'s / transfer step':>20}{'s / training step':>20}{'ratio':>8}")
    for net in transfer.NETS:
        ts = transfer.transfer_settings(net, iterations=args.iterations + 1, vgg_weights="none")
        classifier = models.lil_data(settings.shape, 8) if net == "lildata" else None
        extractor = transfer.feature_extractor(ts, settings.shape, classifier)
        run = transfer.StyleTransfer(extractor, ts, content, style)
        _, per_step = timed_run(run)
        assert run.step.experimental_get_tracing_count() == 1
        train = training_step_seconds(extractor, settings.shape, args.iterations)
        print(f"{net:<10}{per_step:>20.3f}{train:>20.3f}{per_step / train:>8.2f}", flush=True)


def timed_run(run, iterations: int | None = None):
    """Run a transfer; returns the result and the seconds per iteration after the first (compiling) one."""
    import time

    run.run(1)
    start = time.perf_counter()
    n = (run.settings.iterations if iterations is None else iterations) - 1
    result = run.run(n)
    return result, (time.perf_counter() - start) / max(n, 1)


if __name__ == "__main__":
    main()
