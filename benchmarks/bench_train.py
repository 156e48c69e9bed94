"""Does the input pipeline hold Lil Data back, and does training memory grow with the dataset?

    python benchmarks/bench_train.py [--clips 1000,4000] [--steps 40] [--work /tmp/lildata_bench]

1. Makes a paper-preset (631 x 631) dataset of built-in songs on disk (reused on a second run).
2. Speed: Lil Data (notebook 02's ``lil_data``) training steps fed by
   ``lildata_utils.data.stream.make_tf_dataset`` (memory maps on disk, shuffled)
   against the same model fed from a tensor already in memory; examples per second after a warm-up.
   Target: disk at least 90% of in memory.
3. Memory: in a fresh process each, one epoch of Lil Data fed from the shards on the first N clips
   (N from ``--clips``) and the peak resident memory, split into the process's own (anonymous) memory
   and pages of mapped files (the shards: the OS reclaims them). Target: the process's own memory does
   not grow with N.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MEMORY_RUN = """
import json, resource, sys, threading, time
import numpy as np
peak = {"RssAnon": 0, "RssFile": 0}
def sample():
    while True:
        for line in open("/proc/self/status"):
            key = line.split(":")[0]
            if key in peak:
                peak[key] = max(peak[key], int(line.split()[1]))
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()
from lildata_utils.course import import_tensorflow
import_tensorflow()
from lildata_utils.data import PreparedDataset
from lildata_utils.data.stream import make_tf_dataset
from lildata_utils.lessons.classifier import lil_data
data = PreparedDataset(sys.argv[1])
n = int(sys.argv[2])
clips = np.array([c.clip for c in data.clips[:n]], np.int64)
targets = np.array([data.labels.index(data.clips[i].label) for i in clips], np.int32)
model = lil_data(data.settings.shape, len(data.labels))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(make_tf_dataset(data, clips=clips, targets=targets, batch_size=32), epochs=1, verbose=0,
          shuffle=False)
time.sleep(0.3)
print(json.dumps({"clips": n, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "anon_mib": peak["RssAnon"] / 1024, "file_mib": peak["RssFile"] / 1024}))
"""


def make_data(work: Path, clips: int) -> Path:
    from lildata_utils.data import make_dataset, prepare
    from lildata_utils.settings import get_preset

    settings = get_preset("paper")
    songs = -(-clips // (8 * 20))  # 100-second songs give 20 clips
    raw, out = work / "raw", work / "prepared"
    make_dataset(raw, songs_per_genre=songs, seconds=100, sample_rate=settings.sample_rate, progress=True)
    prepare(raw, out, settings, progress=True)
    return out


def speed(data_dir: Path, steps: int, batch: int = 32) -> dict[str, float]:
    import keras
    import numpy as np
    import tensorflow as tf

    from lildata_utils.data import PreparedDataset
    from lildata_utils.data.stream import make_tf_dataset
    from lildata_utils.lessons.classifier import lil_data

    data = PreparedDataset(data_dir)
    keras.utils.set_random_seed(0)
    model = lil_data(data.settings.shape, len(data.labels))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    disk = make_tf_dataset(data, "train", batch_size=batch, repeat=True)
    in_memory = np.stack([data.spectrogram(c.clip) for c in data.clips[:batch * 4]]).astype(np.float32)[..., None]
    labels = np.zeros(len(in_memory), np.int32)
    memory = tf.data.Dataset.from_tensors((in_memory[:batch], labels[:batch])).repeat()
    rates = {}
    for name, stream in (("disk", disk), ("memory", memory), ("disk again", disk), ("memory again", memory)):
        model.fit(stream, steps_per_epoch=5, epochs=1, verbose=0)  # warm up
        start = time.perf_counter()
        model.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0)
        rates[name] = steps * batch / (time.perf_counter() - start)
    return {"disk": max(rates["disk"], rates["disk again"]), "memory": max(rates["memory"], rates["memory again"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default="1000,4000")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lildata_bench"))
    parser.add_argument("--skip-speed", action="store_true", help="only the memory part")
    args = parser.parse_args()
    sizes = [int(n) for n in args.clips.split(",")]
    data_dir = make_data(args.work, max(sizes))
    if not args.skip_speed:
        rates = speed(data_dir, args.steps)
        print(f"Lil Data at 631 x 631, batch 32: {rates['disk']:.1f} examples/s from disk, "
              f"{rates['memory']:.1f} from memory: {rates['disk'] / rates['memory']:.0%}")
    script = args.work / "memory_run.py"
    script.write_text(MEMORY_RUN)
    for n in sizes:
        out = subprocess.run([sys.executable, str(script), str(data_dir), str(n)], capture_output=True, text=True,
                             check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"one epoch on {n} clips: peak resident memory {result['peak_mib']:.0f} MiB, of which at most "
              f"{result['anon_mib']:.0f} MiB the process's own (anonymous) and {result['file_mib']:.0f} MiB pages "
              f"of files (the memory-mapped shards, the libraries: the OS takes them back when it needs the room)")


if __name__ == "__main__":
    main()
