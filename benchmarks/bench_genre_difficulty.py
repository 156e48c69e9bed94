"""Is the built-in music hard enough, and learnable? A CNN against the average spectrum.

    python benchmarks/bench_genre_difficulty.py data/prepared/builtin_classroom --epochs 20

Trains a CNN shaped like the paper's Lil Data (four 3x3 convolutions with 16, 32, 64, 64 filters,
each followed by 4x4 max pooling; dropout 0.5; Dense 48; softmax) on the train split of a prepared
dataset, with early stopping on the validation split, and reports its test accuracy beside the
average-spectrum softmax baseline on the same song split. (`make demo` prepares
`data/prepared/builtin_classroom`.)
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import keras

    from lildata_utils import baseline, dataset, pipeline

    data = dataset.PreparedDataset(args.data_dir)
    from lildata_utils.lessons.classifier import compile_classifier, fit_classifier, lil_data

    keras.utils.set_random_seed(args.seed)
    model = compile_classifier(lil_data(data.settings.shape, len(data.labels)), learning_rate=1e-3)  # notebook 02's
    start = time.perf_counter()
    fit_classifier(model, pipeline.make_tf_dataset(data, "train", batch_size=32, seed=args.seed),
                   pipeline.make_tf_dataset(data, "val", batch_size=32, shuffle=False), epochs=args.epochs, patience=4)
    seconds = time.perf_counter() - start
    _, cnn = model.evaluate(pipeline.make_tf_dataset(data, "test", batch_size=32, shuffle=False), verbose=0)
    soft = baseline.song_split_accuracy(data)
    info = data.info()
    print(f"dataset {args.data_dir}: {info['clips']} clips, {len(data.labels)} labels, songs per split {info['songs']}")
    print(f"CNN (Lil Data shape), test accuracy by clip: {cnn:.1%} (trained in {seconds:.0f} s)")
    print(f"average-spectrum softmax, same split:      {soft['test_accuracy']:.1%}")
    print(f"difference: {100 * (cnn - soft['test_accuracy']):.1f} points")


if __name__ == "__main__":
    main()
