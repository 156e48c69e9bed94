"""The paper's 8 genres as recipes: each draws its sounds and parts for a :class:`~lildata_utils.data.songs.Song`.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import instruments as ins
from .songs import Song, arrangement, bass_line, chord_track, drum_hits, harmony, melody, texture, vocal_bursts

__all__ = ["RECIPES"]


def _trap(song: Song) -> None:
    rng, sr = song.rng, song.sr
    arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = harmony(song, str(rng.choice(["minor", "harmonic_minor"])), "minor", 0)
    kick_steps = [0] + [s for s in (3, 6, 7, 10, 11, 14) if rng.random() < 0.35]
    drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=120, end_hz=48, pitch_decay=0.03, decay=0.12, click=0.4,
                                             rng=rng), kick_steps)
    sound = ins.clap(sr, rng=rng) if rng.random() < 0.5 else ins.snare(sr, tone_hz=rng.uniform(170, 230), rng=rng)
    drum_hits(song, "snare", "snare", sound, [8], gain=1.0)
    hat_sound = ins.hat(sr, decay=rng.uniform(0.015, 0.035), metallic=rng.random(), rng=rng)
    hats = song.track("hats")
    for bar in song.bars("hats"):
        for beat in range(4):
            div = int(rng.choice([2, 4, 4, 4, 8, 3, 6], p=[0.15, 0.35, 0.1, 0.1, 0.12, 0.1, 0.08]))
            for k in range(div):
                ins.place(hats, hat_sound, song.at(bar, beat * 4 + 4 * k / div), 0.5 + 0.4 * rng.random())
    notes = [(bar, step, (kick_steps + [16])[kick_steps.index(step) + 1] - step,
              song.params["root_midi"] + int(rng.choice([0, 0, 0, 7, 12, -2, 3])))
             for bar in song.bars("bass") for step in kick_steps]
    bass_line(song, "bass", notes, "sine", glide=rng.uniform(0.02, 0.08), drive_amount=rng.uniform(1, 3), decay=0.8)
    bell = rng.random() < 0.5
    song.params["lead"] = "fm_bell" if bell else "pluck"
    lead = ((lambda f, n: ins.fm(f, n, sr, 3.5, 3.0, 0.2) * ins.envelope(n, sr, 0.002, 0.3)) if bell
            else (lambda f, n: ins.additive(f, n, sr, [1, 0.5, 0.3, 0.2], 0.3, 1.0)))
    melody(song, "lead", lead, density=rng.uniform(0.3, 0.6), octave=2, step_len=2, gain=0.8)
    chord_track(song, "pad", chords, lambda f, n: ins.lowpass(ins.supersaw(f, n, sr, 3, 10, rng), 900, sr)
                * ins.envelope(n, sr, 0.3, 2.0, 0.6, 0.3), [(0, 16)], gain=0.5, bars_per_chord=2)
    song.params.update(mix={"kick": 0, "snare": -3, "hats": -10, "bass": 0, "lead": -6, "pad": -14},
                       sidechain=(0.2, 0.12))


def _future_bass(song: Song) -> None:
    rng, sr = song.rng, song.sr
    arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = harmony(song, "major", "major", 1)
    drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=160, end_hz=52, pitch_decay=0.03, decay=0.15, rng=rng),
              [0] + ([10] if rng.random() < 0.6 else []) + ([7] if rng.random() < 0.3 else []))
    layered = ins.clap(sr, rng=rng)
    ins.place(layered, 0.5 * ins.snare(sr, rng=rng), 0)
    drum_hits(song, "snare", "snare", layered, [8])
    drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.03, rng=rng), [2, 6, 10, 14], gain=0.5)
    wobble_hz, wobble_depth = rng.uniform(3, 7), rng.uniform(0.003, 0.012)
    detune = rng.uniform(15, 40)

    def saw_chord(f: float, n: int) -> np.ndarray:
        vib = 1 + wobble_depth * np.sin(2 * np.pi * wobble_hz * np.arange(n) / sr)
        tone = ins.supersaw(f, n, sr, 7, detune, rng, vib)
        return ins.lowpass(tone, rng.uniform(3000, 7000), sr) * ins.envelope(n, sr, 0.01, 0.5, 0.8, 0.05)

    chop = [(s, 1.5) for s in range(0, 16, 2)] if rng.random() < 0.5 else [(0, 3), (3, 3), (6, 4), (10, 3), (13, 3)]
    chord_track(song, "chords", chords, saw_chord, chop, gain=1.0, octave=1)
    vowel = str(rng.choice(list(ins.VOWEL_FORMANTS)))
    vocal = lambda f, n: ins.formant_filter(ins.saw(f, n, sr), vowel, sr) * ins.envelope(n, sr, 0.003, 0.08)
    song.params["vocal_vowel"] = vowel
    melody(song, "lead", vocal, density=rng.uniform(0.5, 0.8), octave=3, step_len=1, gain=1.5)
    notes = [(bar, 0, 16, song.params["root_midi"] + chords[bar % 4][0] - chords[0][0]) for bar in song.bars("bass")]
    bass_line(song, "bass", notes, "sine", decay=2.0)
    song.params.update(mix={"kick": 0, "snare": -2, "hats": -12, "chords": -3, "lead": -9, "bass": -4},
                       sidechain=(rng.uniform(0.7, 0.95), rng.uniform(0.12, 0.25)))


def _lofi(song: Song) -> None:
    rng, sr = song.rng, song.sr
    arrangement(song, ["verse", "verse", "breakdown"])
    chords = harmony(song, str(rng.choice(["major", "dorian"])), "major", int(rng.choice([1, 2])))
    dusty = lambda x: ins.lowpass(x, rng.uniform(2500, 5000), sr)
    drum_hits(song, "kick", "kick", dusty(ins.kick(sr, start_hz=110, end_hz=50, pitch_decay=0.04, decay=0.2,
                                                   click=0.1, rng=rng)),
              [0] + [s for s in (7, 10) if rng.random() < 0.6], gain=0.8, jitter=0.006)
    drum_hits(song, "snare", "snare", dusty(ins.snare(sr, tone_hz=200, decay=0.15, noise_mix=0.8, rng=rng)), [4, 12],
              gain=0.6, jitter=0.006)
    drum_hits(song, "hats", "hats", dusty(ins.hat(sr, decay=0.03, metallic=0.2, rng=rng)), list(range(0, 16, 2)),
              gain=0.35, velocity_spread=0.5, jitter=0.004)
    epiano = lambda f, n: ins.fm(f, n, sr, 1.0, rng.uniform(1, 2.5), 0.4) * ins.envelope(n, sr, 0.004, 1.2, 0.3, 0.2)
    chord_track(song, "keys", chords, epiano, [(0, 14)] if rng.random() < 0.5 else [(0, 6), (6, 10)],
                gain=1.2, strum=rng.uniform(0.005, 0.03))
    notes = [(bar, 0, 8, chords[bar % 4][0] - 12) for bar in song.bars("bass")]
    notes += [(bar, 10, 4, chords[bar % 4][0] - 12 + 7) for bar in song.bars("bass")]
    bass_line(song, "bass", notes, "sine", decay=0.5)
    melody(song, "lead", lambda f, n: ins.additive(f, n, sr, [1, 0.3, 0.1], 0.5, 0.6), 0.25, 2, step_len=4, gain=0.5)
    texture(song, "texture", "crackle", 1.0)
    texture(song, "hiss", "hiss", 1.0)
    song.params.update(mix={"kick": -2, "snare": -6, "hats": -12, "keys": -2, "bass": -4, "lead": -10,
                            "texture": -20, "hiss": -28},
                       wow_flutter_ms=(rng.uniform(0.5, 2.0), rng.uniform(0.05, 0.2)),
                       master_lowpass=rng.uniform(3000, 6000))


def _hardstyle(song: Song) -> None:
    rng, sr = song.rng, song.sr
    arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = harmony(song, "minor", "minor", 0)
    root_hz = float(ins.midi_to_hz(song.params["root_midi"] + 12))
    drum_hits(song, "kick4", "kick", ins.kick(sr, start_hz=rng.uniform(200, 300), end_hz=root_hz, pitch_decay=0.02,
                                              decay=rng.uniform(0.15, 0.3), click=0.5, distortion=rng.uniform(4, 10),
                                              rng=rng), [0, 4, 8, 12])
    n = int(2 * song.step_s * sr)
    rev = ins.lowpass(ins.drive(ins.saw(root_hz, n, sr) * ins.envelope(n, sr, 0.002, 0.08), 3), 1200, sr)[::-1].copy()
    drum_hits(song, "bass", "bass", rev, [2, 6, 10, 14], gain=0.8)
    drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.08, metallic=0.6, rng=rng), [2, 6, 10, 14], gain=0.4)
    drum_hits(song, "snare", "snare", ins.clap(sr, rng=rng), [4, 12], gain=0.7)
    if rng.random() < 0.5:
        index = rng.uniform(4, 9)
        lead = lambda f, n: (ins.drive(ins.fm(f, n, sr, 2.01, index, 10.0), 4)
                             * ins.envelope(n, sr, 0.005, 1.0, 0.8, 0.05))
        song.params["lead"] = "screech"
    else:
        lead = lambda f, n: ins.supersaw(f, n, sr, 7, 30, rng) * ins.envelope(n, sr, 0.005, 1.0, 0.8, 0.05)
        song.params["lead"] = "supersaw"
    melody(song, "lead", lead, density=rng.uniform(0.4, 0.7), octave=2, step_len=2)
    chord_track(song, "pad", chords, lambda f, n: ins.supersaw(f, n, sr, 5, 20, rng)
                * ins.envelope(n, sr, 0.5, 3, 0.7, 0.5), [(0, 16)], layer="harmony", gain=0.6)
    song.params.update(mix={"kick": 0, "bass": -6, "hats": -12, "snare": -8, "lead": -9, "pad": -15},
                       sidechain=(0.5, 0.1))


def _hiphop(song: Song) -> None:
    rng, sr = song.rng, song.sr
    song.swing = rng.uniform(0.1, 0.3)
    arrangement(song, ["verse", "verse", "verse", "breakdown"])
    chords = harmony(song, str(rng.choice(["minor", "dorian"])), "minor", 1)
    kick = ins.kick(sr, start_hz=130, end_hz=55, pitch_decay=0.03, decay=0.18, click=0.5, distortion=1.5, rng=rng)
    drum_hits(song, "kick", "kick", kick, [0] + [s for s in (3, 7, 10, 11) if rng.random() < 0.4])
    drum_hits(song, "snare", "snare", ins.snare(sr, tone_hz=rng.uniform(180, 220), decay=0.15, noise_mix=0.6, rng=rng),
              [4, 12])
    drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.03, metallic=0.4, rng=rng), list(range(0, 16, 2)), gain=0.4,
              velocity_spread=0.4)
    # A "sampled" soul loop: two bars rendered once, filtered, then looped exactly.
    loop = Song(song.genre, sr, 2 * 16 * song.step_s, rng, song.tempo)
    loop.sections = ["verse", "verse"]
    organ = rng.random() < 0.5
    voice = ((lambda f, n: ins.additive(f, n, sr, [1, 0.7, 0.4, 0.3, 0.2], 3.0, 0.1)
              * ins.envelope(n, sr, 0.02, 2, 0.8, 0.1))
             if organ else (lambda f, n: ins.additive(f, n, sr, [1, 0.5, 0.25, 0.12, 0.06], 0.8, 0.8, 1e-4)))
    song.params["sample_instrument"] = "organ" if organ else "piano"
    progression = [chords[int(rng.integers(4))], chords[int(rng.integers(4))]]
    chord_track(loop, "s", progression, voice, [(0, 6), (6, 10)], gain=1.0)
    sample = ins.bandpass(loop.track("s")[: loop.n], 200, rng.uniform(2500, 4500), sr)
    sample = ins.wow_flutter(sample, sr, 0.8, 0.1, rng)
    track = song.track("sample")
    for bar in song.bars("harmony")[::2]:
        ins.place(track, sample, song.at(bar, 0))
    bass_line(song, "bass", [(bar, 0, 6, progression[bar % 2][0] - 12) for bar in song.bars("bass")], "sine",
              decay=0.4)
    vocal_bursts(song, "vocal", "lead", [0, 2, 3, 4, 6, 8, 9, 10, 12, 14], rng.uniform(100, 170),
                 shift=rng.uniform(0.9, 1.15))
    song.params["mix"] = {"kick": 0, "snare": -2, "hats": -12, "sample": -4, "bass": -6, "vocal": -4}


def _liquid_dnb(song: Song) -> None:
    rng, sr = song.rng, song.sr
    arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = harmony(song, str(rng.choice(["minor", "dorian"])), "minor", 2)
    drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=150, end_hz=55, pitch_decay=0.025, decay=0.12, click=0.4,
                                             rng=rng), [0, 10] + ([6] if rng.random() < 0.3 else []))
    snare_sound = ins.snare(sr, tone_hz=rng.uniform(190, 240), decay=0.1, noise_mix=0.7, rng=rng)
    drum_hits(song, "snare", "snare", snare_sound, [4, 12])
    drum_hits(song, "snare", "ghost", snare_sound, [s for s in (3, 7, 9, 11, 15) if rng.random() < 0.4], gain=0.25)
    drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.02, metallic=0.3, rng=rng), list(range(16)), gain=0.35,
              velocity_spread=0.8)
    drum_hits(song, "hats", "ride", ins.hat(sr, decay=0.15, metallic=0.8, rng=rng), [0, 4, 8, 12], gain=0.5)
    song.params["bass"] = shape = "reese" if rng.random() < 0.5 else "sine"
    notes = [(bar, s, 3, chords[(bar // 2) % 4][0] - 12 + (7 if s == 8 else 0)) for bar in song.bars("bass")
             for s in (0, 3, 8, 11)]
    bass_line(song, "bass", notes, shape, glide=0.02, decay=0.3)
    pad = lambda f, n: ins.lowpass(ins.supersaw(f, n, sr, 5, 12, rng), 2000, sr) * ins.envelope(n, sr, 0.6, 4, 0.8, 0.6)
    chord_track(song, "pad", chords, pad, [(0, 32)], bars_per_chord=2, gain=1.0)
    piano = lambda f, n: ins.additive(f, n, sr, [1, 0.5, 0.25, 0.12], 0.8, 0.8, 1e-4)
    chord_track(song, "piano", chords, piano, [(0, 4), (6, 4), (10, 6)], layer="lead", bars_per_chord=2,
                gain=0.8, octave=1, strum=0.01)
    song.params.update(mix={"kick": 0, "snare": -1, "ghost": -8, "hats": -7, "ride": -8, "bass": -6, "pad": -12,
                            "piano": -10}, reverb=(rng.uniform(1.5, 3.0), rng.uniform(0.2, 0.4)))


def _house(song: Song) -> None:
    rng, sr = song.rng, song.sr
    arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = harmony(song, str(rng.choice(["minor", "major", "dorian"])), str(rng.choice(["minor", "major"])), 1)
    drum_hits(song, "kick4", "kick", ins.kick(sr, start_hz=140, end_hz=50, pitch_decay=0.03, decay=0.15,
                                              click=rng.uniform(0.6, 1.0), rng=rng), [0, 4, 8, 12])
    drum_hits(song, "snare", "clap", ins.clap(sr, rng=rng), [4, 12], gain=0.8)
    drum_hits(song, "hats", "open_hat", ins.hat(sr, decay=0.12, metallic=0.5, rng=rng), [2, 6, 10, 14], gain=0.5)
    drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.02, metallic=0.3, rng=rng),
              list(range(0, 16, 1 if rng.random() < 0.5 else 2)), gain=0.3, velocity_spread=0.6)
    organ = rng.random() < 0.5
    song.params["stab"] = "organ" if organ else "piano"
    stab = ((lambda f, n: ins.additive(f, n, sr, [1, 1, 0.5, 0.6, 0, 0.4], 2.0, 0.0)
             * ins.envelope(n, sr, 0.005, 0.2, 0.5, 0.02))
            if organ else (lambda f, n: ins.additive(f, n, sr, [1, 0.6, 0.3, 0.15], 0.4, 0.7, 1e-4)))
    pattern = ([(2, 1.5), (6, 1.5), (10, 1.5), (14, 1.5)] if rng.random() < 0.7
               else [(0, 2), (3, 2), (6, 2), (10, 2), (13, 2)])
    chord_track(song, "stabs", chords, stab, pattern, gain=1.0, octave=1)
    notes = [(bar, s, 1.5, chords[bar % 4][0] - 12) for bar in song.bars("bass") for s in (2, 6, 10, 14)]
    bass_line(song, "bass", notes, "saw", decay=0.2)
    song.params.update(mix={"kick": 0, "clap": -5, "open_hat": -9, "hats": -10, "stabs": -10, "bass": -7},
                       sidechain=(0.4, 0.12))


def _noise(song: Song) -> None:
    rng, sr, n = song.rng, song.sr, song.n
    song.sections = ["noise"] * song.n_bars
    kinds = list(rng.choice(["coloured", "rain", "crackle", "room", "babble", "tones"],
                            size=int(rng.integers(2, 5)), replace=False))
    song.params["textures"], mix = kinds, {}
    for kind in kinds:
        name = f"t_{kind}"
        if kind in ("rain", "crackle", "room"):
            texture(song, name, kind, 1.0)
            mix[name] = float(rng.uniform(-6, 0))
            continue
        if kind == "coloured":
            song.params["noise_exponent"] = exponent = float(rng.uniform(0, 2))
            bed = ins.coloured_noise(n, rng, exponent)
        elif kind == "babble":
            bed = np.zeros(n, np.float32)
            for _ in range(int(rng.integers(3, 8))):
                for _ in range(int(song.seconds * rng.uniform(1, 4))):
                    length = int(sr * rng.uniform(0.08, 0.3))
                    f0 = rng.uniform(90, 250)
                    src = ins.saw(f0, length, sr) + 0.3 * rng.standard_normal(length).astype(np.float32)
                    vowel = str(rng.choice(list(ins.VOWEL_FORMANTS)))
                    syl = ins.formant_filter(src * ins.envelope(length, sr, 0.02, 0.1, 0.5, 0.03), vowel, sr)
                    ins.place(bed, syl, int(rng.integers(0, n)), rng.uniform(0.2, 1.0))
            bed = ins.reverb(bed, 0.8, 0.4, sr, rng)
        else:  # stray tones at random times
            bed = np.zeros(n, np.float32)
            for _ in range(int(song.seconds * rng.uniform(0.3, 1.5))):
                length = int(sr * rng.uniform(0.1, 1.5))
                tone = np.sin(2 * np.pi * rng.uniform(150, 3000) * np.arange(length) / sr).astype(np.float32)
                ins.place(bed, tone * ins.envelope(length, sr, 0.02, 0.5, 0.3, 0.1), int(rng.integers(0, n)))
        ins.place(song.track(name), ins.normalise_rms(bed, -20), 0)
        mix[name] = float(rng.uniform(-8, 0))
    # A slow swell so that the texture changes over time, with no steady pulse.
    t = np.arange(len(song.track(f"t_{kinds[0]}"))) / sr
    song.tracks[f"t_{kinds[0]}"] *= (1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.01, 0.05) * t + rng.random() * 6)
                                     ).astype(np.float32)
    song.params["mix"] = mix


RECIPES: dict[str, Callable[[Song], None]] = {
    "trap": _trap, "future_bass": _future_bass, "lofi": _lofi, "hardstyle": _hardstyle,
    "hiphop": _hiphop, "liquid_dnb": _liquid_dnb, "house": _house, "noise": _noise,
}
