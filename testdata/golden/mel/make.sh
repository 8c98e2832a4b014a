#!/bin/sh
# Regenerates the files in this directory (see README.md). Needs sox 14.4.2,
# Debian's sound-icons 0.1-8 (/usr/share/sounds/sound-icons), and the
# reference torch_wavenet.py with python3-numpy (1.24) and python3-torch.
# Run from this directory: ./make.sh PATH/TO/torch_wavenet.py
set -eu
export LC_ALL=C
peer=${1:?usage: ./make.sh PATH/TO/torch_wavenet.py}

# The clip: the first 0.75 s of sound-icons' trumpet-1.wav (16 kHz, 16-bit
# mono) after 0.04 s (640 samples) of digital silence: 12640 samples.
sox /usr/share/sounds/sound-icons/trumpet-1.wav clip.wav trim 0 0.75 pad 0.04 0

# The reference's log-mel of it at four (hop, bands).
for hb in 256:80 125:80 75:40 64:80; do
  h=${hb%:*} b=${hb#*:}
  /usr/bin/python3 "$peer" mel clip.wav --out "clip_h${h}_b${b}.npy" --hop "$h" --bands "$b"
done

# Two small arrays written by numpy itself, for the .npy reader and writer:
# the same float32 values [3, 5] in C order and in Fortran order.
/usr/bin/python3 - <<'PY'
import numpy as np
a = (np.arange(15, dtype=np.float64).reshape(3, 5) - 7) / 8
a[1, 2] = -1.878231
np.save("numpy_c_3x5.npy", a.astype("<f4"))
np.save("numpy_f_3x5.npy", np.asfortranarray(a.astype("<f4")))
PY
