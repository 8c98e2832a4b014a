#!/bin/sh
# Regenerates the files in this directory (see README.md). Needs sox 14.4.2,
# espeak-ng and python3 with numpy. Run from this directory.
set -eu
export LC_ALL=C

# Stereo master: 331 frames at 16 kHz, 440 Hz left and 1230 Hz right, 16-bit.
sox -D -r 16000 -c 2 -n -b 16 -e signed stereo_s16.wav synth 331s sine 440 sine 1230 gain -3
# The same samples in every other format sox writes (16-bit values are exact
# in all of them except 8-bit; -D: no dither).
sox -D stereo_s16.wav -b 8 -e unsigned stereo_u8.wav
sox -D stereo_s16.wav -b 24 -e signed stereo_s24_ext.wav            # WAVE_FORMAT_EXTENSIBLE (sox's choice above 16 bits)
sox -D stereo_s16.wav -t wavpcm -b 24 -e signed stereo_s24.wav      # plain format tag 1
sox -D stereo_s16.wav -b 32 -e signed stereo_s32_ext.wav
sox -D stereo_s16.wav -b 32 -e floating-point stereo_f32.wav        # format tag 3 + fact chunk
sox -D stereo_s16.wav -b 64 -e floating-point stereo_f64.wav
# Three channels: sox writes WAVE_FORMAT_EXTENSIBLE with a PCM or float sub-format.
sox -D -r 16000 -c 3 -n -b 16 -e signed multi3_s16_ext.wav synth 331s sine 440 sine 1230 sine 2000 gain -4
sox -D multi3_s16_ext.wav -b 32 -e floating-point multi3_f32.wav  # sox writes float as tag 3 even here
# Odd-length 24-bit data: 331 mono frames = 993 bytes, then a pad byte.
sox -D -r 16000 -c 1 -n -b 16 -e signed mono_s16.wav synth 331s sine 440 gain -3
sox -D mono_s16.wav -t wavpcm -b 24 -e signed mono_s24_odd.wav
# sox's own mixdown of the stereo master, as 32-bit float, for comparison.
sox -D stereo_s16.wav -b 32 -e floating-point stereo_sox_mono_f32.wav remix 1,2
# A streaming writer's placeholder data size (0x7FFFF000), as users make training data.
espeak-ng --stdout -s 400 -p 50 -v en "ah" > espeak_stdout.wav

# sox never writes WAVE_FORMAT_EXTENSIBLE with a float sub-format, so wrap the
# float samples of multi3_f32.wav in such a header by hand (channel mask 0x7).
/usr/bin/python3 - <<'PY'
import struct
b = open("multi3_f32.wav", "rb").read()
i = b.index(b"data")
n = struct.unpack("<I", b[i+4:i+8])[0]
data = b[i+8:i+8+n]
guid = struct.pack("<H", 3) + bytes([0,0,0,0,0x10,0,0x80,0,0,0xaa,0,0x38,0x9b,0x71])
fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 3, 16000, 16000*12, 12, 32, 22, 32, 7) + guid
body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", n) + data
open("multi3_f32_ext.wav", "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY

# μ-law golden values from the reference formulas (the peer script's numpy code).
/usr/bin/python3 - <<'PY'
import json, math
import numpy as np
def enc(x, q):
    mu = q - 1
    x = np.clip(x, -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / math.log1p(mu)
    return np.floor((y + 1) / 2 * mu + 0.5).astype(np.int64)
def dec(c, q):
    mu = q - 1
    y = 2 * (np.asarray(c, dtype=np.float64) / mu) - 1
    return np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu
rng = np.random.default_rng(7)
x = np.concatenate([np.linspace(-1.25, 1.25, 401), rng.uniform(-1, 1, 300),
                    rng.normal(0, 0.01, 100), [0.0, -0.0, 1.0, -1.0, 2.0**-15, -2.0**-15]]).astype(np.float32)
out = {"x": [float(v) for v in x]}
for q in (256, 16, 65536):
    out["enc_%d" % q] = [int(v) for v in enc(x.astype(np.float64), q)]
    codes = np.arange(q) if q <= 256 else np.arange(0, q, 331)
    out["codes_%d" % q] = [int(v) for v in codes]
    out["dec_%d" % q] = [float(np.float32(v)) for v in dec(codes, q)]
json.dump(out, open("mulaw_golden.json", "w"))
PY
