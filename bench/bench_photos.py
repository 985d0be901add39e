"""Processing a large phone photo: ``process_photo`` against Pillow's bare open + transpose + save.

Run: .venv/bin/python bench/bench_photos.py [repeats]   (after `make install`)

Generates a 16 MP (4608 x 3456) and a 24 MP (6000 x 4000) JPEG like a phone's (smooth areas,
texture, edges; EXIF orientation 6, stored sideways) and prints, for each, the median seconds of:

* the baseline: ``Image.open`` + ``ImageOps.exif_transpose`` + ``save`` as JPEG, full size;
* ``process_photo`` as it runs (decoded at reduced size by libjpeg's DCT scaling, then shrunk to
  1600 px, upright, sRGB, re-encoded without metadata, with its 320 px thumbnail);
* the same with the reduced-size decoding switched off (every pixel decoded), to show what it saves;

and the ratios to the baseline, all measured in the same run. The target is 0.3 s or less.
"""
from __future__ import annotations

import io
import statistics
import sys
import time
from typing import Callable

from PIL import Image, ImageDraw, ImageOps, JpegImagePlugin

from services.platform.photos import process_photo

SIZES = {"16 MP": (4608, 3456), "24 MP": (6000, 4000)}
TARGET = 0.3


def phone_photo(width: int, height: int) -> bytes:
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    texture = Image.effect_noise((width // 4, height // 4), 60).resize((width, height)).convert("RGB")
    img = Image.blend(base, texture, 0.5)
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 97):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 80, 160), width=5)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def bare(data: bytes) -> None:
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    img.save(io.BytesIO(), "JPEG")


def full_decode(data: bytes) -> None:
    real = JpegImagePlugin.JpegImageFile.draft
    JpegImagePlugin.JpegImageFile.draft = lambda self, mode, size: None  # every pixel decoded
    try:
        process_photo(data)
    finally:
        JpegImagePlugin.JpegImageFile.draft = real


def median(run: Callable[[bytes], object], data: bytes, repeats: int) -> float:
    run(data)  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeats: int = 15) -> None:
    print(f"median of {repeats} runs each; target for process_photo: {TARGET} s or less")
    print(f"{'photo':8} {'MB':>5} {'bare open+transpose+save':>26} {'process_photo':>15} {'× bare':>7}"
          f" {'without draft':>14} {'× bare':>7}")
    for name, (width, height) in SIZES.items():
        data = phone_photo(width, height)
        baseline = median(bare, data, repeats)
        processed = median(process_photo, data, repeats)
        undrafted = median(full_decode, data, repeats)
        print(f"{name:8} {len(data) / 1e6:5.1f} {baseline:24.3f} s {processed:13.3f} s {processed / baseline:6.2f}x"
              f" {undrafted:12.3f} s {undrafted / baseline:6.2f}x")
        if processed > TARGET:
            print(f"  {name}: process_photo took {processed:.3f} s, over the {TARGET} s target")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
