#!/usr/bin/env python3
"""Write tone440.wav next to this script: 440 Hz sine, amplitude 0.5, 1.0 s,
48 kHz, 16-bit, mono, no fade. Deterministic, standard library only."""
import math
import os
import struct
import wave

RATE = 48000
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tone440.wav")
data = b"".join(
    struct.pack("<h", int(round(0.5 * 32767 * math.sin(2 * math.pi * 440 * i / RATE))))
    for i in range(RATE)
)
with wave.open(path, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(data)
